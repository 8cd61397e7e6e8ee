/**
 * `npm start`: the producer on the local default. Starts the local SQS and Pub/Sub stand-ins, creates
 * the queue and the topic, and runs the producer: by default it replays the recorded Binance frames
 * in ../shared/data (or, without them, a generated recording) as fast as the pipeline takes them.
 * At the end it reads both clouds back and checks that every trade id reached both.
 *
 * Any producer variable (see .env.example) can be set to change the run, e.g.
 * `PRODUCER_REPLAY_SPEED=10 npm start`, or `PRODUCER_SOURCE=live PRODUCER_SYMBOLS=BTCUSDT npm start`
 * for live Binance into the local clouds (Ctrl-C stops it).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticTrades, tradeFrame } from '../core/synthetic.js';
import { startLocalCloud } from '../localcloud/launcher.js';
import { ConfigError } from '../producer/errors.js';
import { runProducer } from '../producer/main.js';
import { createAuditedSinks, describeCoverage } from './audit/queues.js';
import { expectedIds, readRecordedTrades } from './audit/recording.js';

const SHARED_DATA = join(import.meta.dirname, '..', '..', 'shared', 'data', 'binance-spot-ws');

/** The newest recorded window: its files (one per symbol) cover the same minutes. */
async function recordings(scratch: string): Promise<string[]> {
  try {
    const names = (await readdir(SHARED_DATA)).filter((n) => n.endsWith('.txt'));
    const windowOf = (n: string) => /-trades-(.*)\.raw/.exec(n)?.[1] ?? '';
    const newest = names.map(windowOf).sort().at(-1);
    const chosen = names.filter((n) => windowOf(n) === newest).sort();
    if (chosen.length > 0) return chosen.map((n) => join(SHARED_DATA, n));
  } catch {
    // No recorded data beside the project: generate a recording below.
  }
  const lines: string[] = [];
  for (const [symbol, startPriceCents] of [
    ['BTCUSDT', 6_183_763],
    ['ETHUSDT', 265_012],
  ] as const) {
    for (const t of syntheticTrades(20_000, {
      symbol,
      seed: symbol.length,
      startPriceCents,
      meanGapMs: 30,
    })) {
      lines.push(`${t.time + 3} ${tradeFrame(t)}`);
    }
  }
  lines.sort((a, b) => Number(a.slice(0, a.indexOf(' '))) - Number(b.slice(0, b.indexOf(' '))));
  const file = join(scratch, 'synthetic-trades.txt');
  await writeFile(file, `${lines.join('\n')}\n`);
  return [file];
}

async function main(): Promise<number> {
  // Local runs never need the GCE metadata server; without this the Google clients probe for it.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const scratch = await mkdtemp(join(tmpdir(), 'producer-local-'));
  const cloud = await startLocalCloud({ services: ['sqs', 'pubsub'] });
  try {
    const sinks = await createAuditedSinks(cloud.env, 'trades');
    const files = process.env.PRODUCER_REPLAY_FILES === undefined ? await recordings(scratch) : [];
    const env = {
      PRODUCER_SOURCE: 'replay',
      PRODUCER_REPLAY_SPEED: '0',
      PRODUCER_HTTP_PORT: '0',
      PRODUCER_STATE_DIR: join(scratch, 'state'),
      ...(files.length > 0 ? { PRODUCER_REPLAY_FILES: files.join(',') } : {}),
      ...process.env,
      ...cloud.env,
      ...sinks.producerEnv,
    };
    const started = Date.now();
    const summary = await runProducer({
      env,
      handleSignals: true,
      onStarted: ({ httpUrl }) =>
        process.stderr.write(`metrics and health at ${httpUrl}/metrics and ${httpUrl}/health\n`),
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `\nproducer: ${summary.tradesAccepted} trades in ${seconds.toFixed(1)} s, ${summary.badFrames} bad frames\n`,
    );
    const fromSqs = await sinks.readSqs();
    const fromPubSub = await sinks.readPubSub();
    const truth =
      env.PRODUCER_SOURCE === 'replay'
        ? await readRecordedTrades((env.PRODUCER_REPLAY_FILES ?? '').split(','))
        : undefined;
    let ok = true;
    for (const [cloudName, batches] of [
      ['SQS', fromSqs],
      ['Pub/Sub', fromPubSub],
    ] as const) {
      for (const report of expectedIds(batches, truth)) {
        ok &&= report.missing.length === 0 && report.foreign.length === 0;
        process.stdout.write(`${cloudName.padEnd(8)}${describeCoverage(report)}\n`);
      }
    }
    await sinks.close();
    return ok ? 0 : 1;
  } finally {
    await cloud.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
    else process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
