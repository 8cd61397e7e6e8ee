/**
 * The producer's HTTP endpoint: `GET /metrics` (Prometheus text format) and `GET /health` (JSON: each
 * connection and each sink). Health answers 200 while the producer runs, degraded or not, so an
 * orchestrator does not restart it during a cloud outage (the spool is doing its job then); 503 only
 * while it is stopping.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthReport } from './producer.js';

export interface RunningHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpServer(
  options: { host: string; port: number },
  registry: Registry,
  health: () => HealthReport,
): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    } else if (path === '/health') {
      const report = health();
      res
        .writeHead(report.status === 'stopping' ? 503 : 200, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
