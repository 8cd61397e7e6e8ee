/**
 * A server process for the localcloud benchmark: the SQS stand-in, or a canned server that answers
 * the same three calls without any queue work (the baseline). Prints its port, then answers
 * "cpu" messages on the IPC channel with its own CPU time in microseconds.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { FaultController } from '../../localcloud/faults.js';
import { startSqs } from '../../localcloud/sqs/index.js';
import { serveCpuOverIpc } from './server-process.js';

const kind = process.argv[2];

async function canned(): Promise<number> {
  // Receives answer with the bodies last sent, so responses are as large as the stand-in's.
  let lastSent: { body: string; md5: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const input = JSON.parse(Buffer.concat(chunks).toString()) as {
        Entries?: { Id: string; MessageBody?: string }[];
      };
      let out: unknown;
      if (target.endsWith('CreateQueue')) out = { QueueUrl: 'http://127.0.0.1/000000000000/bench' };
      else if (target.endsWith('SendMessageBatch')) {
        lastSent = input.Entries!.map((e) => ({
          body: e.MessageBody!,
          md5: createHash('md5').update(e.MessageBody!).digest('hex'),
        }));
        out = {
          Successful: input.Entries!.map((e, i) => ({
            Id: e.Id,
            MessageId: `m${i}`,
            MD5OfMessageBody: lastSent[i]!.md5,
          })),
          Failed: [],
        };
      } else if (target.endsWith('ReceiveMessage')) {
        out = {
          Messages: lastSent.map((m, i) => ({
            MessageId: `m${i}`,
            ReceiptHandle: `r${i}`,
            MD5OfBody: m.md5,
            Body: m.body,
          })),
        };
      } else out = { Successful: input.Entries!.map((e) => ({ Id: e.Id })), Failed: [] };
      const text = JSON.stringify(out);
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

const port = kind === 'canned' ? await canned() : (await startSqs(new FaultController(), { port: 0 })).port;
serveCpuOverIpc(port);
