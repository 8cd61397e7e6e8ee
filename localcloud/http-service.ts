/**
 * The HTTP shell every HTTP stand-in runs in: it listens on loopback, counts each request by
 * operation, applies the fault layer (latency, injected errors in the service's own format, down),
 * and hands the rest to the service's handler.
 *
 * "Down" closes the listening socket and every open connection, so clients see connection refused
 * exactly as with a dead endpoint; "up" listens again on the same port.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FailureKind, FaultController, FaultSettings, ServiceName } from './faults.js';

export interface HttpServiceSpec {
  readonly service: ServiceName;
  /** The operation a request asks for, from its head alone (method, path, headers). */
  operationOf(req: http.IncomingMessage): string;
  /** Serves one request. Errors it throws become a 500 with the message. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void | Promise<void>;
  /** Answers a request the fault layer fails, with the service's own error of that kind. */
  fail(kind: FailureKind, req: http.IncomingMessage, res: http.ServerResponse): void;
}

export interface RunningHttpService {
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
}

/** How every stand-in is started. */
export interface StandInOptions extends ListenOptions {
  /** Keep state here across restarts, where the stand-in can; in memory when absent. */
  readonly dataDir?: string;
}

export async function startHttpService(
  spec: HttpServiceSpec,
  faults: FaultController,
  options: ListenOptions = {},
): Promise<RunningHttpService> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => serve(spec, faults, req, res));
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host, options.port ?? 0);
  let listening = true;
  let closed = false;

  const onChange = (service: ServiceName, settings: FaultSettings) => {
    if (service !== spec.service || closed) return;
    if (settings.down && listening) {
      listening = false;
      server.close();
      for (const s of sockets) s.destroy();
    } else if (!settings.down && !listening) {
      listening = true;
      listen(server, host, port).catch((err: unknown) => {
        listening = false;
        server.emit('error', err);
      });
    }
  };
  faults.on('change', onChange);
  if (faults.get(spec.service).down) onChange(spec.service, faults.get(spec.service));

  return {
    host,
    port,
    url: `http://${host}:${port}`,
    close: async () => {
      closed = true;
      faults.off('change', onChange);
      for (const s of sockets) s.destroy();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts the HTTP shell in front of a backend server (dynalite, s3rver): the backend stops when the
 * front fails to start and whenever the front is closed.
 */
export async function startFront(
  spec: HttpServiceSpec,
  faults: FaultController,
  options: ListenOptions,
  stopBackend: () => Promise<void>,
): Promise<RunningHttpService> {
  let front: RunningHttpService;
  try {
    front = await startHttpService(spec, faults, options);
  } catch (err) {
    await stopBackend();
    throw err;
  }
  return {
    host: front.host,
    port: front.port,
    url: front.url,
    close: async () => {
      await front.close();
      await stopBackend();
    },
  };
}

function serve(
  spec: HttpServiceSpec,
  faults: FaultController,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  faults.record(spec.service, spec.operationOf(req));
  const decision = faults.decide(spec.service);
  const run = () => {
    if (decision.failure !== undefined) {
      req.resume();
      spec.fail(decision.failure, req, res);
      return;
    }
    Promise.resolve()
      .then(() => spec.handle(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`internal error in the ${spec.service} stand-in: ${(err as Error).message}`);
        } else {
          res.destroy(err as Error);
        }
      });
  };
  if (decision.delayMs > 0) setTimeout(run, decision.delayMs);
  else run();
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Reads a request body whole, refusing more than `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}
