/**
 * Forwarding from a stand-in's HTTP shell to the emulator behind it on a loopback port.
 *
 * The emulators (dynalite, s3rver) speak the real wire protocols, so the front mostly relays bytes:
 * it keeps the client's Host header because SigV4 signs it (and s3rver takes virtual-host buckets
 * from it), and it answers in the service's own error format when the emulator cannot be reached,
 * so SDK retry logic sees an ordinary 5xx. One keep-alive agent per backend spares a TCP handshake
 * per request, which matters for the request-rate benchmarks. Bodies that must not reach a backend
 * half-sent can be staged whole first (stageBody).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable, type Transform, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

export interface Backend {
  readonly host: string;
  readonly port: number;
}

/** Writes the service's own error response for a backend that cannot be reached. */
export type BadGateway = (res: http.ServerResponse, cause: Error) => void;

export interface ForwardOverrides {
  /** Headers to set on the forwarded request; an undefined value removes the header. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** A body already received in full; the request itself is streamed when absent. */
  readonly body?: Buffer | (() => Readable);
}

/** A response the front asked for itself, read whole. */
export interface BackendReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type ProxyErrorCode = 'BACKEND_UNREACHABLE';

export class ProxyError extends Error {
  readonly code: ProxyErrorCode;

  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** Headers that describe one connection, not the message, so they never cross the proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  // The shell has already answered 100-continue; the backend must not wait for a second one.
  'expect',
]);

export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 });

  constructor(
    readonly backend: Backend,
    private readonly badGateway: BadGateway,
  ) {}

  /**
   * Relays one request and its response. Settles once the response is done or abandoned, never
   * rejects: failures become the service's error, or a destroyed response once headers are out.
   */
  forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    overrides: ForwardOverrides = {},
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const upstream = this.open(req.method ?? 'GET', req.url ?? '/', {
        ...withoutHopByHop(req.headers),
        ...overrides.headers,
      });
      let bodySent = false;
      upstream.on('finish', () => {
        bodySent = true;
      });
      // A client that leaves mid-body makes the write pointless; once the whole body is with the
      // backend the write completes anyway, as a real service commits a fully received upload.
      res.on('close', () => {
        if (!bodySent && !res.writableFinished) upstream.destroy();
      });
      upstream.on('response', (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.statusMessage, withoutHopByHop(reply.headers));
        pipeline(reply, res).then(resolve, () => {
          res.destroy();
          resolve();
        });
      });
      upstream.on('error', (err) => {
        if (overrides.body === undefined) req.resume();
        if (!res.headersSent) this.badGateway(res, unreachable(this.backend, err));
        else if (!res.writableFinished) res.destroy(err);
        resolve();
      });
      sendBody(upstream, overrides.body ?? req);
    });
  }

  /** A small request of the front's own, such as an existence check; rejects with ProxyError. */
  call(method: string, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<BackendReply> {
    return new Promise<BackendReply>((resolve, reject) => {
      const upstream = this.open(method, path, withoutUndefined(headers));
      upstream.on('response', (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () =>
          resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body: Buffer.concat(chunks) }),
        );
        reply.on('error', (err) => reject(unreachable(this.backend, err)));
      });
      upstream.on('error', (err) => reject(unreachable(this.backend, err)));
      upstream.end();
    });
  }

  /** Drops the pooled connections, so the backend can close without waiting for idle sockets. */
  close(): void {
    this.agent.destroy();
  }

  private open(method: string, path: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    return http.request({
      agent: this.agent,
      host: this.backend.host,
      port: this.backend.port,
      method,
      path,
      headers: withoutUndefined(headers),
    });
  }
}

function sendBody(upstream: http.ClientRequest, body: Buffer | (() => Readable) | Readable): void {
  if (Buffer.isBuffer(body)) {
    upstream.end(body);
  } else if (body instanceof Readable) {
    // The client's own request: pipe rather than pipeline, because destroying a request that is
    // still arriving would reset the client's connection before the 502 could be written.
    body.on('error', (err) => upstream.destroy(err));
    body.pipe(upstream);
  } else {
    // The upstream 'error' handler does the answering; this only keeps the rejection handled.
    pipeline(body(), upstream).catch(() => {});
  }
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function withoutUndefined(headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function unreachable(backend: Backend, cause: Error): ProxyError {
  return new ProxyError(
    'BACKEND_UNREACHABLE',
    `backend ${backend.host}:${backend.port} failed: ${cause.message}`,
    { cause },
  );
}

/** A request body received in full, held in memory or, past a few MiB, in a file. */
export interface StagedBody {
  readonly size: number;
  /** A fresh stream of the body, for forwarding (and forwarding again). */
  open(): Readable;
  dispose(): Promise<void>;
}

const IN_MEMORY_LIMIT = 8 * 1024 * 1024;

/**
 * Receives a request body whole, through `transforms`, before anything is forwarded. Backends that
 * write in place while a body streams in would otherwise keep a truncated write when the client is
 * cut off, which no real service does. Rejects with the first failure, the transforms' own errors
 * included, leaving the request unread but intact so an error response can still be written.
 */
export async function stageBody(
  req: http.IncomingMessage,
  stagingDir: string,
  transforms: readonly Transform[] = [],
): Promise<StagedBody> {
  const sink = new Stager(stagingDir);
  const stages = [...transforms, sink];
  const first = stages[0]!;
  let settled = false;
  req.on('close', () => {
    if (!settled && !req.complete) first.destroy(new Error('the client closed the connection mid-body'));
  });
  // Piped rather than put in the pipeline: a pipeline failure would destroy the request, and with
  // it the client's connection, before the error response could go out.
  req.pipe(first);
  try {
    await (stages.length === 1 ? finished(sink) : pipeline(stages));
  } catch (err) {
    req.unpipe(first);
    await sink.dispose();
    throw err;
  } finally {
    settled = true;
  }
  return { size: sink.size, open: () => sink.open(), dispose: () => sink.dispose() };
}

class Stager extends Writable {
  size = 0;
  private chunks: Buffer[] = [];
  private file: { readonly path: string; readonly stream: WriteStream } | undefined;

  constructor(private readonly dir: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.file === undefined && this.size > IN_MEMORY_LIMIT) {
      const file = path.join(this.dir, `body-${randomUUID()}`);
      this.file = { path: file, stream: createWriteStream(file) };
      for (const held of this.chunks) this.file.stream.write(held);
      this.chunks = [];
    }
    if (this.file === undefined) {
      this.chunks.push(chunk);
      callback();
    } else {
      this.file.stream.write(chunk, callback);
    }
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.file === undefined) callback();
    else this.file.stream.end(callback);
  }

  open(): Readable {
    if (this.file === undefined) return Readable.from(this.chunks, { objectMode: false });
    return createReadStream(this.file.path);
  }

  async dispose(): Promise<void> {
    this.chunks = [];
    if (this.file === undefined) return;
    this.file.stream.destroy();
    await rm(this.file.path, { force: true });
  }
}
