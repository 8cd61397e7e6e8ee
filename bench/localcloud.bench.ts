/**
 * Stand-in capacity on one core. The stand-in runs alone in a child process; this process drives
 * it with a lean HTTP client speaking the AWS JSON protocol directly (the official SDK spends about
 * ten times more CPU per call than the stand-in, so it would measure itself). The figure is
 * messages per second of the stand-in's own CPU time: what one core running the stand-in sustains.
 *
 *   npm run --silent bench:localcloud [-- --seconds 8 --workers 16]
 *
 * SQS: each worker loops SendMessageBatch (10) → ReceiveMessage (10) → DeleteMessageBatch (10).
 * Baseline, same run, same client: a server process that answers the three calls with canned
 * responses and does no queue work, i.e. the cost of Node's HTTP and JSON alone.
 * Last line: JSON with the figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, workers: { type: 'string', default: '16' } },
});
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

async function startServer(kind: 'sqs' | 'canned'): Promise<ServerProcess> {
  const tsx = join(import.meta.dirname, '../node_modules/.bin/tsx');
  const child = spawn(tsx, [join(import.meta.dirname, 'support/sqs-server.ts'), kind], {
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

async function run(kind: 'sqs' | 'canned'): Promise<Measurement> {
  const server = await startServer(kind);
  try {
    return await measure(server);
  } finally {
    server.child.kill();
  }
}

const line = (label: string, m: Measurement) =>
  `${label.padEnd(44)} ${Math.round(m.perCore).toString().padStart(7)} messages/s per core (${m.serverMicrosPerMessage.toFixed(1)} µs of server CPU per message), ${Math.round(m.endToEnd)} messages/s end to end`;

console.log(
  `SQS: ${workers} loops of SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, ${seconds} s each, node ${process.version}`,
);
const baseline = await run('canned');
const sqs = await run('sqs');
console.log(line('baseline: canned server, no queue work', baseline));
console.log(line('SQS stand-in', sqs));
console.log(
  `SQS stand-in per core: ${((sqs.perCore / baseline.perCore) * 100).toFixed(0)}% of the baseline; target >= 20000 messages/s`,
);
console.log(
  JSON.stringify({
    sqsMessagesPerSec: Math.round(sqs.perCore),
    sqsEndToEndMessagesPerSec: Math.round(sqs.endToEnd),
    sqsBaselineMessagesPerSec: Math.round(baseline.perCore),
  }),
);
