/**
 * `npm run --silent bench:producer`: the producer replays a recording at full speed into the local
 * SQS and Pub/Sub and is measured end to end, from the first frame to the last batch acknowledged by
 * both sinks. The stand-ins run in one child process and the producer in another
 * (bench/support/producer-runner.ts), so its peak RSS and CPU time are its own.
 *
 * Prints trades/s (wall clock, and per CPU-second of the producer), requests per 1,000 trades to each
 * sink (counted by the stand-ins), peak RSS, and, from a second run paced below capacity as a live
 * feed is, p50/p99 of the added latency of every trade from receipt to acknowledged send. The
 * baseline, measured in the same run on the same frames: JSON.parse of every frame, the least any
 * producer must do per trade.
 *
 * Last line: JSON with tradesPerSec, sqsRequestsPer1k, pubsubRequestsPer1k, p99AddedMs, rssMb.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { syntheticTrades, tradeFrame } from '../core/synthetic.js';
import { pubsubClient, sqsClient } from '../producer/clients.js';

const TRADES = Number(process.env.BENCH_TRADES ?? 600_000);
const SYMBOLS = [
  ['BTCUSDT', 6_183_763],
  ['ETHUSDT', 265_012],
  ['SOLUSDT', 15_433],
] as const;

async function writeRecording(file: string): Promise<{ frames: string[]; spanSeconds: number }> {
  const out = createWriteStream(file);
  const per = Math.floor(TRADES / SYMBOLS.length);
  const gens = SYMBOLS.map(([symbol, startPriceCents], i) =>
    syntheticTrades(per, { symbol, seed: i + 1, startPriceCents, meanGapMs: 3 }),
  );
  const frames: string[] = [];
  let first: number | undefined;
  let last = 0;
  for (let i = 0; i < per; i++) {
    for (const g of gens) {
      const t = g.next().value;
      if (t === undefined) continue;
      const frame = tradeFrame(t);
      if (frames.length < 200_000) frames.push(frame);
      first ??= t.time;
      last = Math.max(last, t.time);
      if (!out.write(`${t.time + 2} ${frame}\n`))
        await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { frames, spanSeconds: (last - (first ?? last)) / 1000 };
}

function jsonParseBaseline(frames: readonly string[]): number {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    let sink = 0;
    for (const f of frames) sink += (JSON.parse(f) as { data: { t: number } }).data.t & 1;
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (sink < 0) throw new Error('unreachable');
    best = Math.max(best, frames.length / s);
  }
  return best;
}

async function startCloud(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/localcloud.ts',
      '--print-env',
      '--services',
      'sqs,pubsub',
      '--control-port',
      '0',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const env: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (line === 'ready') break;
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1');
  }
  return { child, env };
}

async function counts(controlUrl: string): Promise<{ sqs: number; pubsub: number }> {
  const c = (await (await fetch(`${controlUrl}/counts`)).json()) as Record<string, Record<string, number>>;
  return { sqs: c.sqs?.SendMessageBatch ?? 0, pubsub: c.pubsub?.Publish ?? 0 };
}

interface RunResult {
  readonly trades: number;
  readonly drained: boolean;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly rssMb: number;
  readonly bySink: Record<string, { p50Ms: number; p99Ms: number }>;
}

/** The V8 flags the `producer` command runs with (its shebang line), so the runs measure the product. */
async function binNodeFlags(): Promise<string[]> {
  const first =
    (await readFile(join(import.meta.dirname, '..', 'bin', 'producer.js'), 'utf8')).split('\n')[0] ?? '';
  return first.split(' ').filter((w) => w.startsWith('--'));
}

/** Runs the producer in a process of its own (bench/support/producer-runner.ts). */
async function replay(
  env: Record<string, string>,
  file: string,
  speed: number,
  stateDir: string,
  mode: 'throughput' | 'latency' | 'idle',
): Promise<RunResult> {
  const runEnv = {
    ...env,
    PRODUCER_SOURCE: 'replay',
    PRODUCER_REPLAY_FILES: file,
    PRODUCER_REPLAY_SPEED: String(speed),
    PRODUCER_STATE_DIR: stateDir,
    PRODUCER_HTTP_PORT: 'off',
    PRODUCER_DRAIN_TIMEOUT: '120s',
  };
  const child = spawn(
    process.execPath,
    [
      ...(await binNodeFlags()),
      '--import',
      'tsx',
      'bench/support/producer-runner.ts',
      JSON.stringify(runEnv),
      mode,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`producer run failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').at(-1) as string) as RunResult;
}

async function main(): Promise<void> {
  // The local stand-ins need no GCE metadata server; without this the Google client probes for it.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const dir = await mkdtemp(join(tmpdir(), 'bench-producer-'));
  const file = join(dir, 'recording.txt');
  const { frames, spanSeconds } = await writeRecording(file);
  const baseline = jsonParseBaseline(frames);
  frames.length = 0;
  const { child, env } = await startCloud();
  try {
    const queue = await sqsClient(env).send(new CreateQueueCommand({ QueueName: 'bench-trades' }));
    const pubsub = pubsubClient(env);
    await pubsub.createTopic('bench-trades');
    const base = {
      // PRODUCER_* variables set for the benchmark (e.g. PRODUCER_LINGER_MS) reach the producer.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PRODUCER_'))),
      ...env,
      PRODUCER_SQS_QUEUE_URL: queue.QueueUrl as string,
      PRODUCER_PUBSUB_TOPIC: 'bench-trades',
    };
    const controlUrl = env.LOCALCLOUD_CONTROL_URL as string;
    await fetch(`${controlUrl}/counts`, { method: 'DELETE' });
    const run = await replay(base, file, 0, join(dir, 'state-full'), 'throughput');
    const requests = await counts(controlUrl);
    const trades = run.trades;
    const fullRate = trades / run.seconds;
    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(48)}${value}\n`);
    line(
      'trades replayed',
      `${trades} (${SYMBOLS.length} symbols), all acknowledged by both sinks: ${run.drained}`,
    );
    line('baseline: JSON.parse of the frames alone', `${Math.round(baseline)} frames/s`);
    line('producer end to end, wall clock', `${Math.round(fullRate)} trades/s`);
    line('producer per CPU-second of its process', `${Math.round(trades / run.cpuSeconds)} trades/s`);
    line('SQS SendMessageBatch per 1,000 trades', (requests.sqs / (trades / 1000)).toFixed(3));
    line('Pub/Sub Publish per 1,000 trades', (requests.pubsub / (trades / 1000)).toFixed(3));
    const idle = await replay(base, file, 0, join(dir, 'state-idle'), 'idle');
    line(
      'baseline: RSS of an idle producer process',
      `${idle.rssMb.toFixed(0)} MB (code, SDK clients, tsx loader)`,
    );
    line('peak RSS of the producer process', `${run.rssMb.toFixed(0)} MB`);
    // A steady feed below capacity, as live Binance is: latency is the linger plus the send.
    const speed = Math.max(1, (spanSeconds * Math.min(20_000, fullRate / 3)) / trades);
    const paced = await replay(base, file, speed, join(dir, 'state-paced'), 'latency');
    line(
      'paced replay',
      `${Math.round(paced.trades / paced.seconds)} trades/s (x${speed.toFixed(1)} recorded speed)`,
    );
    line(
      'added latency per trade p50 / p99 (linger 200 ms)',
      `${paced.p50Ms?.toFixed(0)} / ${paced.p99Ms?.toFixed(0)} ms`,
    );
    for (const [sink, q] of Object.entries(paced.bySink))
      line(`  ${sink} p50 / p99`, `${q.p50Ms.toFixed(0)} / ${q.p99Ms.toFixed(0)} ms`);
    await pubsub.close();
    const result = {
      tradesPerSec: Math.round(fullRate),
      baselineJsonParsePerSec: Math.round(baseline),
      sqsRequestsPer1k: Number((requests.sqs / (trades / 1000)).toFixed(3)),
      pubsubRequestsPer1k: Number((requests.pubsub / (trades / 1000)).toFixed(3)),
      p50AddedMs: Math.round(paced.p50Ms ?? Number.NaN),
      p99AddedMs: Math.round(paced.p99Ms ?? Number.NaN),
      rssMb: Math.round(run.rssMb),
      baselineIdleRssMb: Math.round(idle.rssMb),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
