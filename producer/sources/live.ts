/**
 * Live Binance: the configured symbols' `@trade` streams, sharded over as few combined-stream
 * connections as Binance's 1024-streams limit allows, every shard supervised (reconnect, watchdog,
 * make-before-break rotation) and all shards sharing one connection-attempt limiter.
 */
import type { Logger } from 'pino';
import { AttemptLimiter, DEFAULT_ATTEMPT_LIMIT } from '../feed/attempt-limiter.js';
import { Backoff } from '../feed/backoff.js';
import { Shard, type ShardEvent } from '../feed/shard.js';
import { shardStreams, streamName } from '../feed/streams.js';
import type { ConnectionStatus, FrameSink, SourceProblem, TradeSource } from './source.js';

export interface LiveSourceOptions {
  readonly wsUrl: string;
  readonly symbols: readonly string[];
  readonly streamsPerConnection: number;
  readonly watchdogMs: number;
  readonly rotateAfterMs: number;
  readonly overlapMs: number;
  readonly logger: Logger;
  readonly onEvent?: (event: ShardEvent) => void;
}

export class LiveSource implements TradeSource {
  readonly #o: LiveSourceOptions;
  readonly #shards: Shard[] = [];
  #stopped: (() => void) | undefined;

  constructor(options: LiveSourceOptions) {
    this.#o = options;
  }

  run(sink: FrameSink, _onProblem: (problem: SourceProblem) => void): Promise<void> {
    const o = this.#o;
    const limiter = new AttemptLimiter(DEFAULT_ATTEMPT_LIMIT);
    const groups = shardStreams(
      o.symbols.map((s) => streamName(s, 'trade')),
      o.streamsPerConnection,
    );
    const done = new Promise<void>((resolve) => {
      this.#stopped = resolve;
    });
    groups.forEach((streams, i) => {
      const shard = new Shard({
        id: `shard-${i}`,
        baseUrl: o.wsUrl,
        streams,
        watchdogMs: o.watchdogMs,
        rotateAfterMs: o.rotateAfterMs,
        overlapMs: o.overlapMs,
        backoff: new Backoff({ baseMs: 500, capMs: 30_000 }),
        limiter,
        // A live feed cannot wait; the producer keeps up or reports its backlog.
        onFrame: (text, receivedAt) => void sink(text, receivedAt),
        onEvent: (e) => o.onEvent?.(e),
        logger: o.logger,
      });
      this.#shards.push(shard);
      shard.start();
    });
    o.logger.info({ symbols: o.symbols.length, connections: groups.length }, 'live feed started');
    return done;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.stop()));
    this.#stopped?.();
  }

  connections(): ConnectionStatus[] {
    return this.#shards.map((s) => s.status());
  }
}
