/**
 * The producer against the Binance stand-in and the local clouds: connections dropped every way
 * Binance drops them, a rotation, ids only REST returns, a rate-limited REST, and a 60 s outage of
 * SQS. Afterwards both clouds must hold every trade id from first to last and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../core/trade.js';
import type { RunningBinance } from '../../localcloud/binance/binance.js';
import type { HealthReport } from '../../producer/producer.js';
import { coverage } from '../../scripts/audit/queues.js';
import {
  type Harness,
  launchProducer,
  startBinanceFor,
  startHarness,
  waitFor,
} from './support/pipeline-harness.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

let binance: RunningBinance;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  binance = await startBinanceFor(SYMBOLS, { pingIntervalMs: 1000, shutdownGraceMs: 500 });
});

afterAll(async () => {
  await binance?.stop();
  await harness?.close();
});

function liveEnv(): Record<string, string> {
  return {
    ...harness.env,
    PRODUCER_SOURCE: 'live',
    PRODUCER_SYMBOLS: SYMBOLS.join(','),
    BINANCE_WS_URL: binance.wsUrl,
    BINANCE_REST_URL: binance.restUrl,
    PRODUCER_WATCHDOG_TIMEOUT: '3s',
    PRODUCER_ROTATION_OVERLAP: '300ms',
    PRODUCER_DRAIN_TIMEOUT: '60s',
  };
}

async function health(url: string): Promise<HealthReport> {
  return (await (await fetch(`${url}/health`)).json()) as HealthReport;
}

/** Trades at a steady pace on both symbols until stopped. */
function tradeFlow(): () => void {
  const timer = setInterval(() => {
    for (const s of SYMBOLS) binance.generate(s, 3);
  }, 20);
  return () => clearInterval(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the producer to be connected again, then fails its connection that way. */
async function drop(mode: 'terminate' | 'midFrame' | 'close' | 'silent' | 'shutdown'): Promise<void> {
  await waitFor('an open connection', () => binance.connections().some((c) => c.state === 'open'));
  await sleep(300);
  const dropped = mode === 'shutdown' ? binance.serverShutdown() : binance.dropConnections(mode);
  expect(dropped.length).toBeGreaterThan(0);
}

function truth(symbol: string): Map<number, Trade> {
  return new Map(binance.history(symbol).map((t) => [t.id, t]));
}

/** Both clouds hold every id from firstIds[i] to lastIds[i] of SYMBOLS[i], each as Binance sent it. */
async function expectEveryIdInBothClouds(
  firstIds: readonly number[],
  lastIds: readonly number[],
): Promise<void> {
  const fromSqs = await harness.readSqs();
  const fromPubSub = await harness.readPubSub();
  SYMBOLS.forEach((symbol, i) => {
    const expected = [firstIds[i] as number, lastIds[i] as number] as const;
    for (const batches of [fromSqs, fromPubSub]) {
      const report = coverage(symbol, batches, truth(symbol), expected);
      expect(report.missing).toEqual([]);
      expect(report.foreign).toEqual([]);
    }
  });
}

describe('producer, live', () => {
  it('delivers every trade id to both clouds through drops, a rotation, REST-only ids, 429s and a 60 s SQS outage', {
    timeout: 180_000,
  }, async () => {
    const run = await launchProducer(liveEnv());
    await waitFor('connection', async () =>
      (await health(run.httpUrl)).connections.some((c) => c.state === 'open'),
    );
    const stopTrades = tradeFlow();
    const firstIds = SYMBOLS.map((s) => binance.lastId(s) + 1);

    await drop('terminate');
    binance.skipOnWebSocket('BTCUSDT', 25);
    binance.failRest(2, { status: 429, retryAfterSeconds: 1 });
    await drop('shutdown');
    await sleep(1500);
    await drop('midFrame');
    await drop('close');
    await drop('silent');
    await sleep(3500);

    harness.cloud.faults.set('sqs', { down: true });
    await sleep(60_000);
    const during = await health(run.httpUrl);
    harness.cloud.faults.set('sqs', { down: false });
    stopTrades();
    const lastIds = SYMBOLS.map((s) => binance.lastId(s));

    await waitFor(
      'backfill and sinks to catch up',
      async () => {
        const h = await health(run.httpUrl);
        return (
          h.backfill.missingTrades === 0 && h.sinks.every((s) => s.state === 'up' && s.pendingMessages === 0)
        );
      },
      60_000,
    );
    await run.producer.stop();
    const summary = await run.done;

    expect(during.sinks.find((s) => s.name === 'sqs')?.state).toBe('retrying');
    expect(during.sinks.find((s) => s.name === 'sqs')?.pendingMessages).toBeGreaterThan(0);
    expect(during.sinks.find((s) => s.name === 'pubsub')?.state).toBe('up');
    expect(summary.drained).toBe(true);
    expect(summary.unfilledGaps).toEqual([]);
    const requests = binance.restRequests.map((r) => r.status);
    expect(requests).toContain(429);
    expect(requests).toContain(200);
    expect(binance.connections().length).toBeGreaterThanOrEqual(6);

    await expectEveryIdInBothClouds(firstIds, lastIds);
  });

  it('backfills after a restart the trades Binance sent while the producer was down', {
    timeout: 90_000,
  }, async () => {
    const firstIds = SYMBOLS.map((s) => binance.lastId(s) + 1);
    const restBefore = binance.restRequests.length;
    const first = await launchProducer(liveEnv());
    await waitFor('connection', async () =>
      (await health(first.httpUrl)).connections.some((c) => c.state === 'open'),
    );
    for (const s of SYMBOLS) binance.generate(s, 200);
    await waitFor(
      'the first trades spooled',
      async () =>
        (await health(first.httpUrl)).sinks.every((k) => k.pendingMessages === 0) &&
        binance.connections().length > 0,
    );
    await sleep(300);
    await first.producer.stop();
    await first.done;

    for (const s of SYMBOLS) binance.generate(s, 700);
    const second = await launchProducer(liveEnv());
    await waitFor('reconnection', async () =>
      (await health(second.httpUrl)).connections.some((c) => c.state === 'open'),
    );
    for (const s of SYMBOLS) binance.generate(s, 100);
    const lastIds = SYMBOLS.map((s) => binance.lastId(s));
    await waitFor('the downtime backfilled', async () => {
      const h = await health(second.httpUrl);
      return h.backfill.missingTrades === 0 && h.sinks.every((k) => k.pendingMessages === 0);
    });
    await sleep(300);
    await second.producer.stop();
    const summary = await second.done;
    expect(summary.unfilledGaps).toEqual([]);
    const fetched = binance.restRequests
      .slice(restBefore)
      .filter((r) => r.path === '/api/v3/historicalTrades' && r.status === 200);
    expect(fetched.length).toBeGreaterThanOrEqual(SYMBOLS.length);

    await expectEveryIdInBothClouds(firstIds, lastIds);
  });
});
