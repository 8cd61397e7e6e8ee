/**
 * Stand-in capacity on one core. Each stand-in runs alone in a child process and the figure is
 * messages per second of the stand-in's own CPU time: what one core running it sustains. SQS is
 * driven by a lean HTTP client speaking the AWS JSON protocol directly (the official SDK spends
 * about ten times more CPU per call than the stand-in, so it would measure itself); Pub/Sub by
 * the official client, whose cost stays in this process.
 *
 *   npm run --silent bench:localcloud [-- --seconds 8 --workers 16]
 *
 * SQS: each worker loops SendMessageBatch (10) → ReceiveMessage (10) → DeleteMessageBatch (10).
 * Pub/Sub: publish (client batching) → StreamingPull → ack, through @google-cloud/pubsub.
 * Baselines, same run, same clients: server processes that answer with canned responses of the
 * same size and keep no queue or subscription state, i.e. the cost of the transport alone.
 * Last line: JSON with the figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import * as grpc from '@grpc/grpc-js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    workers: { type: 'string', default: '16' },
    'pubsub-messages': { type: 'string', default: '40000' },
  },
});
const pubsubMessagesTarget = Number(values['pubsub-messages']);
// Local only: keep the Google client from probing the GCE metadata server.
process.env.METADATA_SERVER_DETECTION ??= 'none';
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const BODY = JSON.stringify({
  v: 1,
  market: 'spot',
  symbol: 'BTCUSDT',
  firstId: 3735683259,
  lastId: 3735683260,
  trades: [
    { t: 3735683259, p: '61837.63000000', q: '0.02000000', T: 1723161255342, m: true },
    { t: 3735683260, p: '61837.63000000', q: '0.04800000', T: 1723161255617, m: true },
  ],
});

interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  cpuMicros(): Promise<number>;
}

async function startServer(script: string, kind: string): Promise<ServerProcess> {
  const tsx = join(import.meta.dirname, '../node_modules/.bin/tsx');
  const child = spawn(tsx, [join(import.meta.dirname, 'support', script), kind], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const port = Number(first.value);
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve(Number(m)));
      child.send('cpu');
    });
  return { child, port, cpuMicros };
}

function call(
  agent: http.Agent,
  port: number,
  action: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AmazonSQS.${action}`,
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`${action}: ${res.statusCode} ${JSON.stringify(out)}`));
          else resolve(out);
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

interface Measurement {
  readonly endToEnd: number;
  readonly serverMicrosPerMessage: number;
  readonly perCore: number;
}

async function measure(server: ServerProcess): Promise<Measurement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const { QueueUrl } = (await call(agent, server.port, 'CreateQueue', { QueueName: 'bench' })) as {
    QueueUrl: string;
  };
  const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: BODY }));
  let messages = 0;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      await call(agent, server.port, 'SendMessageBatch', { QueueUrl, Entries: entries });
      const got = (await call(agent, server.port, 'ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: 10,
      })) as {
        Messages?: { ReceiptHandle: string }[];
      };
      const received = got.Messages ?? [];
      if (received.length === 0) continue;
      const deletes = received.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle }));
      await call(agent, server.port, 'DeleteMessageBatch', { QueueUrl, Entries: deletes });
      messages += received.length;
    }
  };
  const loops = Array.from({ length: workers }, loop);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up, not counted
  const cpu0 = await server.cpuMicros();
  const m0 = messages;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu1 = await server.cpuMicros();
  const counted = messages - m0;
  const wall = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  const serverMicrosPerMessage = (cpu1 - cpu0) / counted;
  return { endToEnd: counted / wall, serverMicrosPerMessage, perCore: 1e6 / serverMicrosPerMessage };
}

async function run(
  script: string,
  kind: string,
  measureWith: (server: ServerProcess) => Promise<Measurement>,
): Promise<Measurement> {
  const server = await startServer(script, kind);
  try {
    return await measureWith(server);
  } finally {
    server.child.kill();
  }
}

/** Publishes with client batching and acks every message from a streaming pull. */
async function measurePubSub(server: ServerProcess): Promise<Measurement> {
  const pubsub = new PubSub({
    projectId: 'bench',
    servicePath: '127.0.0.1',
    port: server.port,
    sslCreds: grpc.credentials.createInsecure(),
  });
  const [created] = await pubsub.createTopic('bench');
  await created.createSubscription('bench-sub', { ackDeadlineSeconds: 60 });
  const topic = pubsub.topic('bench', { batching: { maxMessages: 1000, maxMilliseconds: 5 } });
  const subscription = pubsub.subscription('bench-sub', { flowControl: { maxMessages: 5000 } });
  let acked = 0;
  subscription.on('message', (m) => {
    m.ack();
    acked++;
  });
  await new Promise((r) => setTimeout(r, 500)); // let the streams open
  const data = Buffer.from(BODY);
  const publish = async (n: number) => {
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, n - i) }, () => topic.publishMessage({ data })));
    }
  };
  const waitAcked = async (n: number) => {
    while (acked < n) await new Promise((r) => setTimeout(r, 10));
  };
  await publish(2000); // warm-up, not counted
  await waitAcked(2000);
  const total = Math.round(pubsubMessagesTarget);
  const cpu0 = await server.cpuMicros();
  const t0 = performance.now();
  await publish(total);
  await waitAcked(2000 + total);
  await new Promise((r) => setTimeout(r, 200)); // the last acks reach the server
  const cpu1 = await server.cpuMicros();
  const wall = (performance.now() - t0 - 200) / 1000;
  await subscription.close();
  await pubsub.close();
  const serverMicrosPerMessage = (cpu1 - cpu0) / total;
  return { endToEnd: total / wall, serverMicrosPerMessage, perCore: 1e6 / serverMicrosPerMessage };
}

const line = (label: string, m: Measurement) =>
  `${label.padEnd(44)} ${Math.round(m.perCore).toString().padStart(7)} messages/s per core (${m.serverMicrosPerMessage.toFixed(1)} µs of server CPU per message), ${Math.round(m.endToEnd)} messages/s end to end`;

console.log(
  `SQS: ${workers} loops of SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, ${seconds} s each, node ${process.version}`,
);
const baseline = await run('sqs-server.ts', 'canned', measure);
const sqs = await run('sqs-server.ts', 'sqs', measure);
console.log(line('baseline: canned server, no queue work', baseline));
console.log(line('SQS stand-in', sqs));
console.log(
  `SQS stand-in per core: ${((sqs.perCore / baseline.perCore) * 100).toFixed(0)}% of the baseline; target >= 20000 messages/s`,
);

console.log(
  `\nPub/Sub: ${pubsubMessagesTarget} messages published (batches of up to 1000), streaming pull, ack each`,
);
const pubsubBaseline = await run('pubsub-server.ts', 'canned', measurePubSub);
const pubsub = await run('pubsub-server.ts', 'pubsub', measurePubSub);
console.log(line('baseline: canned gRPC relay, no subscription state', pubsubBaseline));
console.log(line('Pub/Sub stand-in', pubsub));
console.log(
  `Pub/Sub stand-in per core: ${((pubsub.perCore / pubsubBaseline.perCore) * 100).toFixed(0)}% of the baseline; target >= 20000 messages/s`,
);
console.log(
  JSON.stringify({
    sqsMessagesPerSec: Math.round(sqs.perCore),
    sqsEndToEndMessagesPerSec: Math.round(sqs.endToEnd),
    sqsBaselineMessagesPerSec: Math.round(baseline.perCore),
    pubsubMessagesPerSec: Math.round(pubsub.perCore),
    pubsubEndToEndMessagesPerSec: Math.round(pubsub.endToEnd),
    pubsubBaselineMessagesPerSec: Math.round(pubsubBaseline.perCore),
  }),
);
