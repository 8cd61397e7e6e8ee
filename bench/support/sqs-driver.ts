/**
 * Drives an SQS endpoint with a lean client speaking the AWS JSON 1.0 protocol directly: each
 * worker loops SendMessageBatch (10) → ReceiveMessage (10) → DeleteMessageBatch.
 */
import http from 'node:http';
import { BENCH_BODY, type Measurement, type ServerProcess, sleep, timed } from './server-process.js';

function call(
  agent: http.Agent,
  port: number,
  action: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      'content-length': Buffer.byteLength(text),
    };
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers },
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

export async function driveSqs(
  server: ServerProcess,
  seconds: number,
  workers: number,
): Promise<Measurement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const created = (await call(agent, server.port, 'CreateQueue', { QueueName: 'bench' })) as {
    QueueUrl: string;
  };
  const QueueUrl = created.QueueUrl;
  const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: BENCH_BODY }));
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
  await sleep(1000); // warm-up, not counted
  const result = await timed(server, async () => {
    const before = messages;
    await sleep(seconds * 1000);
    return messages - before;
  });
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return result;
}
