/**
 * The producer replaying recordings into the local clouds: bad lines are counted and skipped, a
 * spool left by a run whose sink was down is resent by the next run, and the metrics and health
 * endpoints report what happened.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticTrades, tradeFrame } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import type { HealthReport } from '../../producer/producer.js';
import { coverage } from '../../scripts/audit/queues.js';
import { type Harness, launchProducer, startHarness } from './support/pipeline-harness.js';

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const trades: Trade[] = [...syntheticTrades(3000, { seed: 9, startId: 42_000 })];
const truth = new Map(trades.map((t) => [t.id, t]));
const ALL: readonly [number, number] = [42_000, 44_999];

async function recording(name: string, lines: readonly string[]): Promise<string> {
  const file = join(harness.stateDir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

function replayEnv(file: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...harness.env,
    PRODUCER_SOURCE: 'replay',
    PRODUCER_REPLAY_FILES: file,
    PRODUCER_REPLAY_SPEED: '0',
    ...extra,
  };
}

const goodLines = trades.map((t) => `${t.time + 1} ${tradeFrame(t)}`);

describe('producer, replay', () => {
  it('counts and skips bad frames and lines, and still delivers every good trade', async () => {
    const bad = [
      `${trades[0]?.time} {"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":1.5}}`,
      `${trades[0]?.time} not json at all`,
      'no timestamp here',
      `${trades[0]?.time} {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"-1","q":"1","T":1,"m":true}}`,
    ];
    const lines = [...goodLines.slice(0, 1000), ...bad, ...goodLines.slice(1000)];
    const run = await launchProducer(replayEnv(await recording('with-bad.txt', lines)));
    const summary = await run.done;
    expect(summary.badFrames).toBe(4);
    expect(summary.tradesAccepted).toBe(3000);
    for (const batches of [await harness.readSqs(), await harness.readPubSub()]) {
      const report = coverage('BTCUSDT', batches, truth, ALL);
      expect(report.missing).toEqual([]);
      expect(report.foreign).toEqual([]);
    }
  });

  it('records every frame it receives in the format it replays', async () => {
    const input = goodLines.slice(0, 500);
    const recordFile = join(harness.stateDir, 'recorded.txt');
    const run = await launchProducer(
      replayEnv(await recording('in.txt', input), { PRODUCER_RECORD_FILE: recordFile }),
    );
    await run.done;
    const recorded = (await readFile(recordFile, 'utf8')).trimEnd().split('\n');
    // The frames are kept byte for byte; the receive times are this run's own.
    expect(recorded.map((l) => l.slice(l.indexOf(' ') + 1))).toEqual(
      input.map((l) => l.slice(l.indexOf(' ') + 1)),
    );
    for (const line of recorded) expect(line).toMatch(/^\d{13} /);
  });

  it('resends the spool of a run whose sink was down', async () => {
    harness.cloud.faults.set('sqs', { down: true });
    const first = await launchProducer(
      replayEnv(await recording('all.txt', goodLines), { PRODUCER_DRAIN_TIMEOUT: '500ms' }),
    );
    const summary = await first.done;
    expect(summary.drained).toBe(false);
    const sqsLeft = summary.sinks.find((s) => s.name === 'sqs');
    expect(sqsLeft?.pendingMessages).toBeGreaterThan(0);
    expect(summary.sinks.find((s) => s.name === 'pubsub')?.pendingMessages).toBe(0);

    harness.cloud.faults.set('sqs', { down: false });
    const second = await launchProducer(replayEnv(await recording('empty.txt', [])));
    const resent = await second.done;
    expect(resent.tradesAccepted).toBe(0);
    expect(resent.drained).toBe(true);
    const report = coverage('BTCUSDT', await harness.readSqs(), truth, ALL);
    expect(report.missing).toEqual([]);
    expect(report.foreign).toEqual([]);
  });

  it('serves Prometheus metrics and a health report while it runs', async () => {
    const paced = goodLines.slice(0, 400);
    const run = await launchProducer(
      replayEnv(await recording('paced.txt', paced), { PRODUCER_REPLAY_SPEED: '1' }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const health = (await (await fetch(`${run.httpUrl}/health`)).json()) as HealthReport;
    expect(health.status).toBe('ok');
    expect(health.connections.map((c) => c.id)).toEqual(['replay']);
    expect(health.sinks.map((s) => s.name).sort()).toEqual(['pubsub', 'sqs']);
    const metrics = await (await fetch(`${run.httpUrl}/metrics`)).text();
    const received = Number(/^producer_trades_received_total\{symbol="BTCUSDT"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(metrics).toMatch(/^# TYPE producer_added_latency_seconds histogram$/m);
    await run.producer.stop();
    const summary = await run.done;
    // Paced at the recorded speed, the replay is stopped part way: the counter saw the trades so far.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(400);
    expect(summary.tradesAccepted).toBeGreaterThanOrEqual(received);
    expect(summary.tradesAccepted).toBeLessThan(400);
  });
});
