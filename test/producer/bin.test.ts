/** The `producer` command as an operator runs it: a child process configured by the environment. */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticTrades, tradeFrame } from '../../core/synthetic.js';
import { type Harness, startHarness, waitFor } from './support/pipeline-harness.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'producer.js');

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function runBin(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('producer command', () => {
  it('refuses a bad configuration with exit code 2 and names the variable', async () => {
    const run = runBin({
      PRODUCER_SYMBOLS: 'BTCUSDT',
      PRODUCER_SQS_QUEUE_URL: 'not a url',
      PRODUCER_PUBSUB_TOPIC: 't',
    });
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain('PRODUCER_SQS_QUEUE_URL: is not a URL: "not a url"');
    expect(run.stderr()).not.toContain('    at ');
  });

  it('stops gracefully on SIGTERM: flushes, delivers, exits 0', async () => {
    const lines = [...syntheticTrades(2000, { seed: 4, startId: 7_000_000 })].map(
      (t) => `${t.time} ${tradeFrame(t)}`,
    );
    const file = join(harness.stateDir, 'slow.txt');
    await writeFile(file, `${lines.join('\n')}\n`);
    const run = runBin({
      ...harness.env,
      PRODUCER_SOURCE: 'replay',
      PRODUCER_REPLAY_FILES: file,
      PRODUCER_REPLAY_SPEED: '1',
      PRODUCER_STATE_DIR: join(harness.stateDir, 'bin-state'),
      METADATA_SERVER_DETECTION: 'none',
    });
    await waitFor('the producer to start', () => run.stdout().includes('"msg":"producer started"'));
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const stopped = run
      .stdout()
      .split('\n')
      .find((l) => l.includes('"msg":"producer stopped"'));
    const summary = JSON.parse(stopped ?? '{}') as { trades?: number; drained?: boolean };
    expect(summary.drained).toBe(true);
    expect(summary.trades).toBeGreaterThan(0);
    expect(summary.trades).toBeLessThan(2000);
    const delivered = (await harness.readSqs()).reduce((n, b) => n + b.trades.length, 0);
    expect(delivered).toBe(summary.trades);
  });
});
