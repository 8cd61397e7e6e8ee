/**
 * The producer's lifecycle: a source feeds the trade flow, batches go through the pipeline into one
 * spool-backed worker per sink, gaps go to the backfill. Everything is passed in (publishers,
 * spools, source, REST client), so tests and the benchmark build the same object main.ts does.
 *
 * producer/ may import core/, clouds/ and its own modules; nothing outside imports it except
 * scripts, tests and benchmarks.
 */
import type { Logger } from 'pino';
import type { Market, Trade } from '../core/trade.js';
import { Batcher } from './batcher.js';
import { type Gap, Sequencer, type SymbolProgress } from './feed/sequencer.js';
import type { ProducerMetrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import type { Backfiller, UnfilledPart } from './rest/backfill.js';
import type { SinkStatus, SinkWorker } from './sink.js';
import type { Recorder } from './sources/recorder.js';
import type { ConnectionStatus, TradeSource } from './sources/source.js';
import type { ProgressStore } from './state.js';
import { TradeFlow, type UnfilledGap } from './trade-flow.js';

export interface BackfillHandlers {
  readonly onTrades: (symbol: string, trades: readonly Trade[]) => void;
  readonly onDone: (gap: Gap, outcome: { readonly parts: readonly UnfilledPart[] }) => void;
}

export interface ProducerParts {
  readonly market: Market;
  readonly symbols: readonly string[];
  readonly source: TradeSource;
  readonly sinks: readonly SinkWorker[];
  readonly batching: {
    readonly lingerMs: number;
    readonly maxBodyBytes: number;
    readonly gzipMinBytes: number;
  };
  /** Builds the backfill around the producer's handlers; absent: gaps are reported unfilled at once. */
  readonly backfill?: (handlers: BackfillHandlers) => Backfiller;
  /** Progress across restarts (live feeds); a replay starts fresh each time. */
  readonly progress?: ProgressStore;
  readonly recorder?: Recorder;
  readonly drainTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: ProducerMetrics;
}

export interface ProducerSummary {
  readonly tradesAccepted: number;
  readonly badFrames: number;
  readonly unfilledGaps: readonly UnfilledGap[];
  readonly sinks: readonly SinkStatus[];
  /** True when every sink accepted everything before the drain timeout; otherwise the rest is spooled. */
  readonly drained: boolean;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'stopping';
  readonly connections: readonly ConnectionStatus[];
  readonly sinks: readonly SinkStatus[];
  readonly backfill: { readonly missingTrades: number; readonly queuedGaps: number };
  readonly unfilledGaps: readonly UnfilledGap[];
  readonly badFrames: number;
  readonly queuedBatches: number;
}

const PROGRESS_EVERY_MS = 5000;

export class Producer {
  readonly #p: ProducerParts;
  readonly #flow: TradeFlow;
  readonly #batcher: Batcher;
  readonly #pipeline: Pipeline;
  #sequencer: Sequencer | undefined;
  #backfiller: Backfiller | undefined;
  #stopping = false;
  #accepted = 0;
  #restored: ReadonlyMap<string, SymbolProgress> = new Map();

  constructor(parts: ProducerParts) {
    this.#p = parts;
    this.#pipeline = new Pipeline({
      gzipMinBytes: parts.batching.gzipMinBytes,
      sinks: parts.sinks,
      maxQueuedBytes: 4 * 1024 * 1024,
      onError: (batch, err) =>
        parts.logger.error(
          { symbol: batch.symbol, firstId: batch.firstId, lastId: batch.lastId, err: err.message },
          'batch could not be encoded; its ids reach no sink',
        ),
    });
    this.#batcher = new Batcher({
      market: parts.market,
      lingerMs: parts.batching.lingerMs,
      maxBodyBytes: parts.batching.maxBodyBytes,
      onBatch: (b) => {
        if (b.lane === 'live') this.#accepted += b.lastId - b.firstId + 1;
        this.#pipeline.submit(b);
      },
    });
    this.#flow = new TradeFlow({
      batcher: this.#batcher,
      metrics: parts.metrics,
      logger: parts.logger,
      symbols: parts.symbols,
    });
  }

  /** Runs until the source ends (a replay) or stop() is called; then flushes, drains and persists. */
  async run(): Promise<ProducerSummary> {
    const p = this.#p;
    const restored = (await p.progress?.load()) ?? new Map<string, SymbolProgress>();
    this.#restored = restored;
    this.#sequencer = new Sequencer((gap) => this.#onGap(gap), restored);
    this.#flow.attach(this.#sequencer);
    this.#backfiller = p.backfill?.({
      onTrades: (symbol, trades) => this.#flow.onBackfill(symbol, trades),
      onDone: (gap, outcome) => this.#backfillDone(gap, outcome),
    });
    for (const gap of this.#sequencer.restoredGaps()) this.#onGap(gap);
    for (const sink of p.sinks) sink.start();
    const timer = setInterval(() => void this.#saveProgress(), PROGRESS_EVERY_MS);
    try {
      await p.source.run(
        (text, receivedAt) => {
          p.recorder?.record(receivedAt, text);
          this.#flow.onFrame(text, receivedAt);
          return this.#pipeline.pressure();
        },
        (problem) => this.#flow.badFrame(new Error(problem.message), problem.where),
      );
    } finally {
      clearInterval(timer);
    }
    return this.#shutdown();
  }

  /** Stops reading; run() then flushes, drains and resolves. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#p.source.stop();
  }

  health(): HealthReport {
    const connections = this.#p.source.connections();
    const sinks = this.#p.sinks.map((s) => s.status());
    // A rotating connection still delivers: the old one stays open until the new one does.
    const healthy =
      connections.every((c) => c.state === 'open' || c.state === 'rotating') &&
      sinks.every((s) => s.state === 'up');
    return {
      status: this.#stopping ? 'stopping' : healthy ? 'ok' : 'degraded',
      connections,
      sinks,
      backfill: {
        missingTrades: this.#sequencer?.missingCount() ?? 0,
        queuedGaps: this.#backfiller?.pending().gaps ?? 0,
      },
      unfilledGaps: this.#flow.unfilledGaps(),
      badFrames: this.#flow.badFrames,
      queuedBatches: this.#pipeline.queued(),
    };
  }

  #onGap(gap: Gap): void {
    this.#flow.onGap(gap);
    this.#p.metrics.missing.set(this.#sequencer?.missingCount() ?? 0);
    if (this.#backfiller === undefined) {
      this.#flow.unfilled(gap.symbol, [[gap.first, gap.last]], 'backfill is off');
    } else {
      this.#backfiller.enqueue(gap);
    }
  }

  /**
   * Ids the backfill could not fetch are reported; those it left because of the shutdown stay
   * missing in the saved progress when there is one, so the next run fetches them.
   */
  #backfillDone(gap: Gap, outcome: { readonly parts: readonly UnfilledPart[] }): void {
    const keep = this.#stopping && this.#p.progress !== undefined;
    for (const part of outcome.parts) {
      if (keep && (part.reason === 'stopped' || part.reason === 'rest:CLOSED')) {
        this.#p.logger.warn(
          { symbol: gap.symbol, firstId: part.range[0], lastId: part.range[1] },
          'backfill interrupted by the shutdown; it resumes after the restart',
        );
        continue;
      }
      this.#flow.unfilled(gap.symbol, [part.range], part.reason);
    }
    this.#p.metrics.missing.set(this.#sequencer?.missingCount() ?? 0);
  }

  async #shutdown(): Promise<ProducerSummary> {
    const p = this.#p;
    this.#stopping = true;
    // Gaps found up to now are filled first when the backfill can reach REST; a stop request cuts it short.
    if (this.#backfiller !== undefined) await this.#backfiller.stop();
    this.#batcher.flushAll();
    await this.#pipeline.settled();
    const drained = (await Promise.all(p.sinks.map((s) => s.drain(p.drainTimeoutMs)))).every(Boolean);
    const sinks = p.sinks.map((s) => s.status());
    await Promise.all(p.sinks.map((s) => s.stop()));
    await this.#saveProgress();
    await p.recorder?.close();
    p.logger.info({ trades: this.#accepted, drained, badFrames: this.#flow.badFrames }, 'producer stopped');
    return {
      tradesAccepted: this.#accepted,
      badFrames: this.#flow.badFrames,
      unfilledGaps: this.#flow.unfilledGaps(),
      sinks,
      drained,
    };
  }

  async #saveProgress(): Promise<void> {
    const store = this.#p.progress;
    const seq = this.#sequencer;
    if (store === undefined || seq === undefined) return;
    const progress = new Map<string, SymbolProgress>();
    for (const symbol of seq.symbols()) {
      const durable =
        this.#pipeline.durable(symbol, seq.progress(symbol)?.missing ?? []) ?? this.#restored.get(symbol);
      if (durable !== undefined) progress.set(symbol, durable);
    }
    try {
      await store.save(progress);
    } catch (err) {
      this.#p.logger.error({ file: store.file, err: (err as Error).message }, 'cannot save progress');
    }
  }
}
