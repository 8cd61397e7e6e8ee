import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spoolCodec } from '../../clouds/message.js';
import type {
  OutboundMessage,
  PublishFailure,
  PublishLimits,
  PublishOutcome,
  TradePublisher,
} from '../../clouds/ports.js';
import { ProducerMetrics } from '../../producer/metrics.js';
import { SinkWorker } from '../../producer/sink.js';
import { Spool } from '../../producer/spool/spool.js';

/** A publisher whose answers the test scripts: it records what it was given. */
class ScriptedPublisher implements TradePublisher {
  readonly name = 'sqs';
  readonly limits: PublishLimits = {
    maxMessagesPerCall: 3,
    maxBytesPerCall: 1_000_000,
    maxMessageBytes: 1_000_000,
  };
  readonly accepted: number[] = [];
  calls = 0;
  /** Returns the failures for a call, or throws to fail it whole. */
  answer: (messages: readonly OutboundMessage[]) => PublishFailure[] = () => [];

  async publish(messages: readonly OutboundMessage[]): Promise<PublishOutcome> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 1));
    const failed = this.answer(messages);
    const bad = new Set(failed.map((f) => f.index));
    messages.forEach((m, i) => {
      if (!bad.has(i)) this.accepted.push(m.firstId);
    });
    return { failed };
  }

  async close(): Promise<void> {}
}

function message(firstId: number): OutboundMessage {
  const body = `{"ids":[${firstId}]}`;
  return {
    body,
    attributes: {},
    symbol: 'BTCUSDT',
    firstId,
    lastId: firstId + 9,
    trades: 10,
    bytes: body.length,
    receivedAt: Date.now(),
  };
}

const codec = { encode: spoolCodec.encodeOutbound, decode: spoolCodec.decodeOutbound };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sink-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function worker(
  publisher: TradePublisher,
  diskBudgetBytes = 1 << 20,
): Promise<{ sink: SinkWorker; metrics: ProducerMetrics }> {
  const spool = await Spool.open<OutboundMessage>(
    { dir, diskBudgetBytes, memoryBudgetBytes: 1 << 20 },
    codec,
  );
  const metrics = new ProducerMetrics();
  const sink = new SinkWorker({
    publisher,
    spool,
    maxInFlight: 2,
    logger: pino({ level: 'silent' }),
    metrics: metrics.sink(publisher.name),
  });
  return { sink, metrics };
}

async function metric(metrics: ProducerMetrics, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}

describe('SinkWorker', () => {
  it('sends everything spooled, in calls within the publisher limits', async () => {
    const publisher = new ScriptedPublisher();
    const { sink, metrics } = await worker(publisher);
    sink.start();
    for (let i = 0; i < 10; i++) await sink.submit(message(i * 10));
    expect(await sink.drain(5000)).toBe(true);
    await sink.stop();
    expect([...publisher.accepted].sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(publisher.calls).toBeGreaterThanOrEqual(4);
    expect(await metric(metrics, 'producer_batches_sent_total')).toBe(10);
    expect(await metric(metrics, 'producer_trades_sent_total')).toBe(100);
  });

  it('retries failed messages first, so a recovered sink resends in spool order', async () => {
    const publisher = new ScriptedPublisher();
    let failing = true;
    publisher.answer = () => {
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'UNAVAILABLE' });
      return [];
    };
    const { sink, metrics } = await worker(publisher);
    sink.start();
    for (let i = 0; i < 6; i++) await sink.submit(message(i * 10));
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.status().state).toBe('retrying');
    expect(sink.status().pendingMessages).toBe(6);
    failing = false;
    expect(await sink.drain(20_000)).toBe(true);
    await sink.stop();
    expect(publisher.accepted).toEqual([0, 10, 20, 30, 40, 50]);
    expect(await metric(metrics, 'producer_send_failures_total')).toBeGreaterThan(0);
  });

  it('lets go of a message the cloud refuses for good, and retries the rest of the call', async () => {
    const publisher = new ScriptedPublisher();
    let first = true;
    publisher.answer = (messages) => {
      const failures: PublishFailure[] = [];
      messages.forEach((m, index) => {
        if (m.firstId === 10) failures.push({ index, retryable: false, error: new Error('too large') });
        if (m.firstId === 20 && first) {
          first = false;
          failures.push({ index, retryable: true, error: new Error('throttled') });
        }
      });
      return failures;
    };
    const { sink, metrics } = await worker(publisher);
    sink.start();
    for (let i = 0; i < 3; i++) await sink.submit(message(i * 10));
    expect(await sink.drain(10_000)).toBe(true);
    await sink.stop();
    expect([...publisher.accepted].sort((a, b) => a - b)).toEqual([0, 20]);
    expect(await metric(metrics, 'producer_rejected_batches_total')).toBe(1);
  });

  it('keeps what was not sent for the next run', async () => {
    const publisher = new ScriptedPublisher();
    publisher.answer = () => {
      throw new Error('down');
    };
    const first = await worker(publisher);
    first.sink.start();
    for (let i = 0; i < 4; i++) await first.sink.submit(message(i * 10));
    expect(await first.sink.drain(200)).toBe(false);
    await first.sink.stop();

    const healthy = new ScriptedPublisher();
    const second = await worker(healthy);
    second.sink.start();
    expect(await second.sink.drain(10_000)).toBe(true);
    await second.sink.stop();
    expect(healthy.accepted).toEqual([0, 10, 20, 30]);
  });

  it('counts what a full spool refuses, by trade ids', async () => {
    const publisher = new ScriptedPublisher();
    publisher.answer = () => {
      throw new Error('down');
    };
    const { sink, metrics } = await worker(publisher, 600);
    for (let i = 0; i < 10; i++) await sink.submit(message(i * 10));
    expect(sink.status().droppedMessages).toBeGreaterThan(0);
    expect(await metric(metrics, 'producer_spool_dropped_trades_total')).toBe(
      sink.status().droppedMessages * 10,
    );
    await sink.stop();
  });
});
