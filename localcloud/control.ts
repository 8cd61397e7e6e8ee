/**
 * The control endpoint of a running local cloud: a small JSON API to read and change faults and to
 * read request counts while the stand-ins serve, for demos, chaos runs and benchmarks in another
 * process.
 *
 *   GET    /health                  {"ok":true}
 *   GET    /env                     the client variables
 *   GET    /faults                  settings of every service
 *   PATCH  /faults/<service>        body: any of latencyMs, failureRate, failureKind, duplicateRate, down
 *   POST   /faults/reset            back to no faults
 *   GET    /counts                  requests served, by service and operation
 *   DELETE /counts                  start counting again
 */
import http from 'node:http';
import { type FaultController, FaultError, isServiceName, SERVICES } from './faults.js';
import { type ListenOptions, readBody } from './http-service.js';

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

export async function startControlServer(
  faults: FaultController,
  env: () => Record<string, string>,
  options: ListenOptions = {},
): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    route(faults, env, req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => send(res, 500, { error: (err as Error).message }),
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function route(
  faults: FaultController,
  env: () => Record<string, string>,
  req: http.IncomingMessage,
): Promise<[number, unknown]> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/health') return [200, { ok: true }];
  if (method === 'GET' && path === '/env') return [200, env()];
  if (method === 'GET' && path === '/counts') return [200, faults.counts()];
  if (method === 'DELETE' && path === '/counts') {
    faults.resetCounts();
    return [200, {}];
  }
  if (method === 'GET' && path === '/faults') {
    return [200, Object.fromEntries(SERVICES.map((s) => [s, faults.get(s)]))];
  }
  if (method === 'POST' && path === '/faults/reset') {
    faults.reset();
    return [200, {}];
  }
  const m = /^\/faults\/([a-z0-9]+)$/.exec(path);
  if (m !== null && (method === 'PATCH' || method === 'PUT')) return patchFaults(faults, m[1]!, req);
  return [404, { error: `no route for ${method} ${path}` }];
}

async function patchFaults(
  faults: FaultController,
  service: string,
  req: http.IncomingMessage,
): Promise<[number, unknown]> {
  if (!isServiceName(service))
    return [404, { error: `unknown service ${service}; services are ${SERVICES.join(', ')}` }];
  let patch: unknown;
  try {
    patch = JSON.parse((await readBody(req, MAX_BODY)).toString('utf8'));
  } catch {
    return [400, { error: 'the body must be a JSON object of fault settings' }];
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return [400, { error: 'the body must be a JSON object of fault settings' }];
  }
  const allowed = ['latencyMs', 'failureRate', 'failureKind', 'duplicateRate', 'down'];
  const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    return [400, { error: `unknown setting ${unknown.join(', ')}; settings are ${allowed.join(', ')}` }];
  try {
    return [200, faults.set(service, patch)];
  } catch (err) {
    if (err instanceof FaultError) return [400, { error: err.message }];
    throw err;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
