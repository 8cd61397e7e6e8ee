/**
 * A tiny HTTP server standing in for a Binance REST host in the client tests: each request goes to the
 * test's handler, which answers with a status, headers and a JSON body, or breaks the connection.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface StubReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export interface StubServer {
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(
  handler: (req: StubRequest) => StubReply | Promise<StubReply>,
): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const stubReq = { path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(stubReq);
    Promise.resolve(handler(stubReq)).then(
      (reply) => {
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? []);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(text);
      },
      (err: unknown) => {
        res.writeHead(599);
        res.end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
