/**
 * `npm run --silent bench:producer`: the producer replays a recording at full speed into the local
 * SQS and Pub/Sub (run in a child process, so this process is the producer alone) and the run is
 * measured end to end: from the first frame to the last batch acknowledged by both sinks.
 *
 * Prints trades/s (wall and per CPU-second of the producer), requests per 1,000 trades to each sink
 * (counted by the stand-ins), p50/p99 added latency from receipt to acknowledged send (per batch, taken
 * for each of its trades, so an upper bound), and peak RSS. The baseline, measured in the same run on
 * the same frames: JSON.parse of every frame, the least any producer must do per trade. Then a paced
 * replay at a steady rate below capacity measures latency as a live feed sees it.
 *
 * Last line: JSON with tradesPerSec, sqsRequestsPer1k, pubsubRequestsPer1k, p99AddedMs, rssMb.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import type { OutboundMessage } from '../clouds/ports.js';
import { syntheticTrades, tradeFrame } from '../core/synthetic.js';
import { pubsubClient, sqsClient } from '../producer/clients.js';
import { runProducer } from '../producer/main.js';
import { ProducerMetrics, type SinkMetrics } from '../producer/metrics.js';

const TRADES = Number(process.env.BENCH_TRADES ?? 600_000);
const SYMBOLS = [
  ['BTCUSDT', 6_183_763],
  ['ETHUSDT', 265_012],
  ['SOLUSDT', 15_433],
] as const;

/** Latencies per trade (ms), from every batch a sink acknowledged. */
class LatencyMetrics extends ProducerMetrics {
  readonly samples = new Map<string, Float64Array>();
  readonly counts = new Map<string, number>();

  override sink(name: string): SinkMetrics {
    const base = super.sink(name);
    return {
      ...base,
      sent: (messages: readonly OutboundMessage[], callMs: number, now: number) => {
        base.sent(messages, callMs, now);
        for (const m of messages) this.#add(name, now - m.receivedAt, m.trades);
      },
    };
  }

  #add(sink: string, ms: number, weight: number): void {
    let arr = this.samples.get(sink);
    if (arr === undefined) {
      arr = new Float64Array(TRADES * 2);
      this.samples.set(sink, arr);
    }
    let n = this.counts.get(sink) ?? 0;
    for (let i = 0; i < weight && n < arr.length; i++) arr[n++] = ms;
    this.counts.set(sink, n);
  }

  percentile(p: number): number {
    const all: number[] = [];
    for (const [sink, arr] of this.samples) all.push(...arr.subarray(0, this.counts.get(sink) ?? 0));
    all.sort((a, b) => a - b);
    return all[Math.min(all.length - 1, Math.floor((all.length * p) / 100))] ?? Number.NaN;
  }
}

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

async function replay(
  env: Record<string, string>,
  file: string,
  speed: number,
  stateDir: string,
  metrics: LatencyMetrics,
) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const summary = await runProducer({
    env: {
      ...env,
      PRODUCER_SOURCE: 'replay',
      PRODUCER_REPLAY_FILES: file,
      PRODUCER_REPLAY_SPEED: String(speed),
      PRODUCER_STATE_DIR: stateDir,
      PRODUCER_HTTP_PORT: 'off',
      PRODUCER_DRAIN_TIMEOUT: '120s',
    },
    logger: pino({ level: 'warn' }),
    metrics,
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { summary, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main(): Promise<void> {
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
      ...env,
      PRODUCER_SQS_QUEUE_URL: queue.QueueUrl as string,
      PRODUCER_PUBSUB_TOPIC: 'bench-trades',
    };
    const controlUrl = env.LOCALCLOUD_CONTROL_URL as string;
    await fetch(`${controlUrl}/counts`, { method: 'DELETE' });
    const full = new LatencyMetrics();
    const run = await replay(base, file, 0, join(dir, 'state-full'), full);
    const requests = await counts(controlUrl);
    const trades = run.summary.tradesAccepted;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const fullRate = trades / run.seconds;
    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)}${value}\n`);
    line(
      'trades replayed',
      `${trades} (${SYMBOLS.length} symbols), every batch acknowledged by both sinks: ${run.summary.drained}`,
    );
    line('baseline: JSON.parse of the frames alone', `${Math.round(baseline)} frames/s`);
    line('producer end to end, wall clock', `${Math.round(fullRate)} trades/s`);
    line('producer per CPU-second of this process', `${Math.round(trades / run.cpuSeconds)} trades/s`);
    line('SQS SendMessageBatch per 1,000 trades', (requests.sqs / (trades / 1000)).toFixed(3));
    line('Pub/Sub Publish per 1,000 trades', (requests.pubsub / (trades / 1000)).toFixed(3));
    line(
      'added latency at full speed p50 / p99',
      `${full.percentile(50).toFixed(0)} / ${full.percentile(99).toFixed(0)} ms`,
    );
    line('peak RSS of the producer process', `${rssMb.toFixed(0)} MB`);
    // A steady feed well below capacity, as live Binance is: latency is linger plus send time.
    const speed = Math.max(1, (spanSeconds * Math.min(20_000, fullRate / 3)) / trades);
    const paced = new LatencyMetrics();
    const pacedRun = await replay(base, file, speed, join(dir, 'state-paced'), paced);
    line(
      'paced replay',
      `${Math.round(pacedRun.summary.tradesAccepted / pacedRun.seconds)} trades/s (x${speed.toFixed(1)} recorded speed)`,
    );
    line(
      'added latency paced p50 / p99 (linger 200 ms)',
      `${paced.percentile(50).toFixed(0)} / ${paced.percentile(99).toFixed(0)} ms`,
    );
    await pubsub.close();
    const result = {
      tradesPerSec: Math.round(fullRate),
      baselineJsonParsePerSec: Math.round(baseline),
      sqsRequestsPer1k: Number((requests.sqs / (trades / 1000)).toFixed(3)),
      pubsubRequestsPer1k: Number((requests.pubsub / (trades / 1000)).toFixed(3)),
      p50AddedMs: Math.round(paced.percentile(50)),
      p99AddedMs: Math.round(paced.percentile(99)),
      p99AddedMsFullSpeed: Math.round(full.percentile(99)),
      rssMb: Math.round(rssMb),
      rssMbAfterPaced: Math.round(process.resourceUsage().maxRSS / 1024),
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
