/**
 * The producer's entry point: reads the configuration, builds the adapters and runs until the
 * source ends (a replay) or SIGINT/SIGTERM, then stops gracefully (stop reading, flush, persist the
 * rest) and exits 0. A bad configuration exits 2 with a message naming the variable.
 */
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { SqsPublisher } from '../clouds/aws/sqs-publisher.js';
import { PubSubPublisher } from '../clouds/gcp/pubsub-publisher.js';
import { spoolCodec } from '../clouds/message.js';
import type { OutboundMessage, TradePublisher } from '../clouds/ports.js';
import { pubsubClient, sqsClient } from './clients.js';
import { loadConfig, type ProducerConfig } from './config.js';
import type { Env } from './env.js';
import { ConfigError } from './errors.js';
import { startHttpServer } from './http-server.js';
import { ProducerMetrics } from './metrics.js';
import { type BackfillHandlers, Producer, type ProducerSummary } from './producer.js';
import { Backfiller } from './rest/backfill.js';
import { BinanceRestClient, maxLimit } from './rest/rest-client.js';
import { SinkWorker } from './sink.js';
import { LiveSource } from './sources/live.js';
import { Recorder } from './sources/recorder.js';
import { ReplaySource } from './sources/replay.js';
import type { TradeSource } from './sources/source.js';
import { Spool } from './spool/spool.js';
import { ProgressStore } from './state.js';

export interface RunOptions {
  readonly env: Env;
  readonly logger?: Logger;
  /** Metrics to fill (a benchmark extends them); default a fresh set. */
  readonly metrics?: ProducerMetrics;
  /** Wraps the configured source (a benchmark notes receive times per trade). */
  readonly wrapSource?: (source: TradeSource) => TradeSource;
  /** Called once the producer runs, with its HTTP endpoint when one is on (tests, the local default). */
  readonly onStarted?: (info: { producer: Producer; httpUrl?: string }) => void;
  /** Installs SIGINT/SIGTERM handlers (the bin does; tests stop through onStarted's producer). */
  readonly handleSignals?: boolean;
}

/** Builds and runs a producer from the environment. Throws ConfigError before anything starts. */
export async function runProducer(options: RunOptions): Promise<ProducerSummary> {
  const config = loadConfig(options.env);
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'producer' } });
  const metrics = options.metrics ?? new ProducerMetrics();
  const publishers = buildPublishers(config, options.env, logger);
  const backfill =
    config.source.kind === 'live' && config.backfill.mode !== 'off'
      ? backfillFactory(config, logger, metrics)
      : undefined;
  const sinks = await Promise.all(publishers.map((p) => openSink(p, config, logger, metrics)));
  const producer = new Producer({
    market: config.market,
    symbols: config.symbols,
    source: (options.wrapSource ?? ((s) => s))(buildSource(config, logger, metrics)),
    sinks,
    batching: config.batching,
    ...(backfill === undefined ? {} : { backfill: backfill.factory }),
    ...(config.source.kind === 'live' ? { progress: new ProgressStore(config.stateDir, config.market) } : {}),
    ...(config.recordFile === undefined
      ? {}
      : {
          recorder: new Recorder(config.recordFile, (err) =>
            logger.error(
              { file: config.recordFile, err: err.message },
              'recording failed; the feed goes on unrecorded',
            ),
          ),
        }),
    drainTimeoutMs: config.drainTimeoutMs,
    logger,
    metrics,
  });
  const http =
    config.http === undefined
      ? undefined
      : await startHttpServer(config.http, metrics.registry, () => producer.health());
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    backfill?.close();
    void producer.stop();
  };
  if (options.handleSignals === true) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  logger.info(
    { source: config.source.kind, symbols: config.symbols, sinks: config.sinks, http: http?.url },
    'producer started',
  );
  options.onStarted?.({ producer, ...(http === undefined ? {} : { httpUrl: http.url }) });
  try {
    return await producer.run();
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await Promise.all(publishers.map((p) => p.close()));
    await http?.close();
  }
}

/** One publisher per sink; `close` also closes the SDK client, which the publisher leaves to its owner. */
function buildPublishers(config: ProducerConfig, env: Env, logger: Logger): TradePublisher[] {
  return config.sinks.map((name) => {
    if (name === 'sqs') {
      const client = sqsClient(env);
      const publisher = new SqsPublisher({ client, queueUrl: config.sqsQueueUrl as string, logger });
      return withClient(publisher, async () => client.destroy());
    }
    const pubsub = pubsubClient(env);
    const publisher = new PubSubPublisher({ pubsub, topicName: config.pubsubTopic as string, logger });
    return withClient(publisher, () => pubsub.close());
  });
}

function withClient(publisher: TradePublisher, closeClient: () => Promise<void>): TradePublisher {
  return {
    name: publisher.name,
    limits: publisher.limits,
    publish: (messages) => publisher.publish(messages),
    close: async () => {
      await publisher.close();
      await closeClient();
    },
  };
}

async function openSink(
  publisher: TradePublisher,
  config: ProducerConfig,
  logger: Logger,
  metrics: ProducerMetrics,
): Promise<SinkWorker> {
  const spool = await Spool.open<OutboundMessage>(
    {
      dir: join(config.stateDir, 'spool', publisher.name),
      ...config.spool,
      onWarning: (message, details) => logger.warn(details, message),
    },
    { encode: spoolCodec.encodeOutbound, decode: spoolCodec.decodeOutbound },
  );
  return new SinkWorker({
    publisher,
    spool,
    maxInFlight: 4,
    logger,
    metrics: metrics.sink(publisher.name),
  });
}

function buildSource(config: ProducerConfig, logger: Logger, metrics: ProducerMetrics): TradeSource {
  const source = config.source;
  if (source.kind === 'replay') return new ReplaySource(source.files, source.speed);
  return new LiveSource({
    wsUrl: source.wsUrl,
    symbols: config.symbols,
    streamsPerConnection: source.streamsPerConnection,
    watchdogMs: source.watchdogMs,
    rotateAfterMs: source.rotateAfterMs,
    overlapMs: source.overlapMs,
    logger,
    onEvent: (e) => {
      if (e.type === 'reconnecting' && !e.rotation) metrics.reconnects.inc({ connection: e.shard });
      else if (e.type === 'rotation-started') metrics.rotations.inc({ connection: e.shard, reason: e.why });
      else if (e.type === 'connected') metrics.connectionsOpen.inc();
      else if (e.type === 'disconnected') metrics.connectionsOpen.dec();
    },
  });
}

function backfillFactory(
  config: ProducerConfig,
  logger: Logger,
  metrics: ProducerMetrics,
): { factory: (h: BackfillHandlers) => Backfiller; close: () => void } {
  const source = config.source as Extract<ProducerConfig['source'], { kind: 'live' }>;
  const rest = new BinanceRestClient({
    baseUrl: source.restUrl,
    market: config.market,
    weightBudgetPerMinute: config.backfill.weightBudgetPerMinute,
    ...(source.apiKey === undefined ? {} : { apiKey: source.apiKey }),
    logger,
    onRequest: (info) => metrics.restRequests.inc({ path: info.path, status: String(info.status) }),
    onRateLimited: (info) => metrics.restRateLimited.inc({ status: String(info.status) }),
  });
  const mode = config.backfill.mode === 'aggTrades' ? 'aggTrades' : 'historicalTrades';
  const factory = (h: BackfillHandlers) =>
    new Backfiller({
      rest,
      mode,
      maxGapTrades: config.backfill.maxGapTrades,
      pageLimit: maxLimit(config.market, mode),
      onTrades: h.onTrades,
      onDone: h.onDone,
      logger,
    });
  // Closing the client ends a request waiting out a long 418 ban at shutdown; the rest of its gap
  // stays in the saved progress and is fetched after the restart.
  return { factory, close: () => rest.close() };
}

/** The bin's main: exit code 0 after a graceful stop, 2 for a configuration error, 1 otherwise. */
export async function main(): Promise<number> {
  try {
    await runProducer({ env: process.env, handleSignals: true });
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `producer: configuration error: ${err.message}\nSee .env.example for every variable.\n`,
      );
      return 2;
    }
    process.stderr.write(`producer: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
