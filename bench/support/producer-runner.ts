/**
 * One producer run for the producer benchmark, in a process of its own so that its peak RSS is the
 * producer's alone. Reads the environment as JSON from argv[2] and the mode from argv[3]:
 * `throughput` (no extra bookkeeping) or `latency` (notes each trade's receive time and, when a
 * sink acknowledges a batch, the added latency of every trade in it), or `idle` (loaded, clients
 * built, nothing flowing: the RSS baseline). Prints one JSON line.
 */
import { pino } from 'pino';
import { SqsPublisher } from '../../clouds/aws/sqs-publisher.js';
import { PubSubPublisher } from '../../clouds/gcp/pubsub-publisher.js';
import type { OutboundMessage } from '../../clouds/ports.js';
import { pubsubClient, sqsClient } from '../../producer/clients.js';
import { runProducer } from '../../producer/main.js';
import { ProducerMetrics, type SinkMetrics } from '../../producer/metrics.js';
import type { TradeSource } from '../../producer/sources/source.js';

/** Receive times per symbol, indexed by trade id from the first one seen: no allocation per trade. */
class Receipts {
  readonly #bySymbol = new Map<string, { base: number; times: Float64Array }>();

  note(frame: string, at: number): void {
    const s = frame.indexOf('"s":"');
    const t = frame.indexOf('"t":', s);
    if (s < 0 || t < 0) return;
    const symbol = frame.slice(s + 5, frame.indexOf('"', s + 5));
    const id = Number.parseInt(frame.slice(t + 4, t + 24), 10);
    let r = this.#bySymbol.get(symbol);
    if (r === undefined) {
      r = { base: id, times: new Float64Array(1 << 21) };
      this.#bySymbol.set(symbol, r);
    }
    const i = id - r.base;
    if (i >= 0 && i < r.times.length) r.times[i] = at;
  }

  get(symbol: string, id: number): number | undefined {
    const r = this.#bySymbol.get(symbol);
    const at = r?.times[id - r.base];
    return at === undefined || at === 0 ? undefined : at;
  }
}

class LatencyMetrics extends ProducerMetrics {
  readonly receipts = new Receipts();
  samples: number[] = [];
  readonly bySink = new Map<string, number[]>();

  override sink(name: string): SinkMetrics {
    const base = super.sink(name);
    return {
      ...base,
      sent: (messages: readonly OutboundMessage[], callMs: number, now: number) => {
        base.sent(messages, callMs, now);
        for (const m of messages) {
          for (let id = m.firstId; id <= m.lastId; id++) {
            const at = this.receipts.get(m.symbol, id);
            if (at === undefined) continue;
            this.samples.push(now - at);
            let list = this.bySink.get(name);
            if (list === undefined) {
              list = [];
              this.bySink.set(name, list);
            }
            list.push(now - at);
          }
        }
      },
    };
  }

  wrap(source: TradeSource): TradeSource {
    return {
      run: (sink, onProblem) =>
        source.run((text, receivedAt) => {
          this.receipts.note(text, receivedAt);
          return sink(text, receivedAt);
        }, onProblem),
      stop: () => source.stop(),
      connections: () => source.connections(),
    };
  }

  percentile(p: number, samples: readonly number[] = this.samples): number {
    const sorted = Float64Array.from(samples).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
  }
}

/** The RSS baseline: everything loaded and both clients built, nothing flowing. */
async function idle(env: Record<string, string>): Promise<void> {
  const sqs = new SqsPublisher({ client: sqsClient(env), queueUrl: env.PRODUCER_SQS_QUEUE_URL as string });
  const pubsub = new PubSubPublisher({
    pubsub: pubsubClient(env),
    topicName: env.PRODUCER_PUBSUB_TOPIC as string,
  });
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write(`${JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  await Promise.all([sqs.close(), pubsub.close()]);
}

async function main(): Promise<void> {
  const env = JSON.parse(process.argv[2] as string) as Record<string, string>;
  if (process.argv[3] === 'idle') return idle(env);
  const latency = process.argv[3] === 'latency';
  const metrics = new LatencyMetrics();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const summary = await runProducer({
    env,
    logger: pino({ level: 'warn' }),
    metrics,
    ...(latency ? { wrapSource: (s: TradeSource) => metrics.wrap(s) } : {}),
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const result = {
    trades: summary.tradesAccepted,
    drained: summary.drained,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    p50Ms: latency ? metrics.percentile(50) : null,
    p99Ms: latency ? metrics.percentile(99) : null,
    samples: metrics.samples.length,
    bySink: Object.fromEntries(
      [...metrics.bySink].map(([sink, list]) => [
        sink,
        { p50Ms: metrics.percentile(50, list), p99Ms: metrics.percentile(99, list) },
      ]),
    ),
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
