/**
 * The producer's end-to-end set-up: the Binance stand-in, the local SQS and Pub/Sub, a queue, a
 * topic with a subscription to read it back, and a producer run in-process from environment
 * variables as the bin would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { WireBatch } from '../../../core/wire.js';
import { type RunningBinance, startBinance } from '../../../localcloud/binance/binance.js';
import { type LocalCloud, startLocalCloud } from '../../../localcloud/launcher.js';
import { runProducer } from '../../../producer/main.js';
import type { Producer, ProducerSummary } from '../../../producer/producer.js';
import { createAuditedSinks } from '../../../scripts/audit/queues.js';

export interface Harness {
  readonly cloud: LocalCloud;
  readonly stateDir: string;
  /** Variables of a producer sending to this harness's queue and topic. */
  readonly env: Record<string, string>;
  readSqs(): Promise<WireBatch[]>;
  readPubSub(): Promise<WireBatch[]>;
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness(): Promise<Harness> {
  const stateDir = await mkdtemp(join(tmpdir(), 'producer-test-'));
  const cloud = await startLocalCloud({ services: ['sqs', 'pubsub'] });
  const sinks = await createAuditedSinks(cloud.env, `trades-${process.pid}-${++counter}`);
  return {
    cloud,
    stateDir,
    env: {
      ...cloud.env,
      ...sinks.producerEnv,
      PRODUCER_STATE_DIR: stateDir,
      PRODUCER_HTTP_PORT: '0',
      PRODUCER_LINGER_MS: '50ms',
    },
    readSqs: sinks.readSqs,
    readPubSub: sinks.readPubSub,
    close: async () => {
      await sinks.close();
      await cloud.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export interface StartedProducer {
  readonly producer: Producer;
  readonly httpUrl: string;
  readonly done: Promise<ProducerSummary>;
}

/** Runs a producer in the background; resolves once it is started. */
export async function launchProducer(env: Record<string, string>): Promise<StartedProducer> {
  let started: (v: { producer: Producer; httpUrl?: string }) => void = () => {};
  const ready = new Promise<{ producer: Producer; httpUrl?: string }>((resolve) => {
    started = resolve;
  });
  const done = runProducer({
    env,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    onStarted: (info) => started(info),
  });
  const info = await Promise.race([
    ready,
    done.then(() => Promise.reject(new Error('producer ended before it started'))),
  ]);
  return { producer: info.producer, httpUrl: info.httpUrl ?? '', done };
}

export async function startBinanceFor(
  symbols: string[],
  extra: Partial<Parameters<typeof startBinance>[0]> = {},
): Promise<RunningBinance> {
  return startBinance({
    symbols,
    startIds: Object.fromEntries(symbols.map((s, i) => [s, 5_000_000 * (i + 1)])),
    ...extra,
  });
}

/** Polls until the predicate holds or the timeout passes. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
