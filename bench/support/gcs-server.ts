/**
 * A server process for the localcloud benchmark: the Cloud Storage stand-in, or a canned HTTP
 * server that answers every upload with an object resource and stores nothing (the baseline).
 */
import http from 'node:http';
import { FaultController } from '../../localcloud/faults.js';
import { startStorage } from '../../localcloud/gcs/index.js';
import { serveCpuOverIpc } from './server-process.js';

async function canned(): Promise<number> {
  let generation = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://canned');
      const name = url.searchParams.get('name') ?? 'object';
      const body = url.pathname.startsWith('/upload/')
        ? {
            kind: 'storage#object',
            bucket: 'bench',
            name,
            generation: String(++generation),
            metageneration: '1',
            size: '1024',
          }
        : {
            kind: 'storage#bucket',
            name: (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { name?: string }).name,
          };
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

const port =
  process.argv[2] === 'canned'
    ? await canned()
    : (await startStorage(new FaultController(), { port: 0 })).port;
serveCpuOverIpc(port);
