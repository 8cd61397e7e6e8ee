/**
 * A WebSocket server on 127.0.0.1 the feed tests drive by hand: it records every connection, what
 * the client sent (pongs, messages), the raw TCP sockets still open, and can refuse or stall
 * upgrades. Independent of localcloud's Binance stand-in on purpose.
 */
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface ServerConnection {
  readonly ws: WebSocket;
  /** The request path and query, e.g. `/stream?streams=btcusdt@trade`. */
  readonly path: string;
  readonly socket: net.Socket;
  readonly openedAt: number;
  /** Payloads of the pongs the client sent. */
  readonly pongs: string[];
  /** Anything else the client sent (the feed must send nothing). */
  readonly messages: string[];
  /** Close code the server saw, once closed. */
  closeCode?: number;
  closedAt?: number;
  readonly closed: Promise<void>;
}

/** What to do with the next upgrade requests: accept, answer 503, or never answer. */
export type UpgradeMode = 'accept' | 'reject' | 'stall';

export class WsTestServer {
  readonly connections: ServerConnection[] = [];
  upgradeMode: UpgradeMode = 'accept';
  /** Upgrade requests seen, accepted or not. */
  upgradeRequests = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WsTestServer> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const self = new WsTestServer(server, `ws://127.0.0.1:${port}`);
    server.on('connection', (socket) => {
      self.sockets.add(socket);
      socket.on('close', () => self.sockets.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => self.upgrade(req, socket as net.Socket, head));
    return self;
  }

  /** TCP sockets to this server still open. */
  openSockets(): number {
    return this.sockets.size;
  }

  /** Resolves with the n-th connection (1-based) once it exists. */
  async connection(n: number, timeoutMs = 10_000): Promise<ServerConnection> {
    await waitFor(() => this.connections.length >= n, timeoutMs, `connection #${n}`);
    return this.connections[n - 1]!;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    this.upgradeRequests++;
    if (this.upgradeMode === 'stall') {
      // Upgraded sockets are half-open capable: close ours when the client gives up.
      socket.on('end', () => socket.destroy());
      return;
    }
    if (this.upgradeMode === 'reject') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.track(ws, req.url ?? '', socket));
  }

  private track(ws: WebSocket, path: string, socket: net.Socket): void {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    const conn: ServerConnection = {
      ws,
      path,
      socket,
      openedAt: Date.now(),
      pongs: [],
      messages: [],
      closed,
    };
    ws.on('pong', (data) => conn.pongs.push(data.toString()));
    ws.on('message', (data) => conn.messages.push(String(data)));
    ws.on('error', () => undefined); // the tests break sockets on purpose
    ws.on('close', (code) => {
      conn.closeCode = code;
      conn.closedAt = Date.now();
      resolveClosed();
    });
    this.connections.push(conn);
  }
}

/**
 * Writes the start of a text frame announcing `length` bytes, sends only half of the payload, and
 * drops the TCP connection: what a network failure mid-frame looks like to the client.
 */
export function dropMidFrame(conn: ServerConnection, length = 100): void {
  const header = Buffer.from([0x81, length]); // FIN + text, unmasked, 7-bit length
  conn.socket.write(Buffer.concat([header, Buffer.alloc(length / 2, 0x61)]), () => conn.socket.destroy());
}

/** Sends raw bytes the client must reject (reserved opcode 0x3). */
export function sendInvalidFrame(conn: ServerConnection): void {
  conn.socket.write(Buffer.from([0x83, 0x00]));
}

/** Polls until the condition holds; throws naming what it waited for. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
