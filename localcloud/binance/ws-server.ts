/**
 * The market-stream side of the HTTP server: the upgrade request is checked the way Binance checks
 * it (path, stream names, stream count) and either refused with an HTTP error or handed to `ws`;
 * every trade the market broadcasts goes to each connection subscribed to its stream.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Trade } from '../../core/trade.js';
import type { Market } from './market.js';
import { Connection, type ConnectionInfo, type ConnectionSettings, type DropMode } from './ws-connection.js';

export type StreamSettings = Omit<ConnectionSettings, 'invalidStream'>;

interface Target {
  readonly combined: boolean;
  readonly streams: readonly string[];
}

interface Refusal {
  readonly status: 400 | 404;
  readonly msg: string;
}

export class StreamServer {
  /** Every upgrade request, refused or not. */
  attempts = 0;
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  private readonly all: Connection[] = [];
  private readonly settings: ConnectionSettings;

  constructor(
    private readonly market: Market,
    settings: StreamSettings,
  ) {
    this.settings = { ...settings, invalidStream: (name) => this.invalidStream(name) };
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.attempts++;
    // A client resetting a refused or half-open upgrade is its own business, not a server fault.
    socket.on('error', () => socket.destroy());
    const target = this.target(req.url ?? '/');
    if ('status' in target) {
      refuse(socket, target);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const id = this.all.length + 1;
      const streams = new Set(target.streams);
      const connection = new Connection(
        id,
        req.url ?? '/',
        streams,
        target.combined,
        ws,
        socket,
        this.settings,
      );
      this.all.push(connection);
      connection.open();
    });
  }

  connections(): ConnectionInfo[] {
    return this.all.map((c) => c.info());
  }

  /** Applies `mode` to the live connections (all, or those with the given ids); returns their ids. */
  drop(mode: DropMode, ids?: readonly number[]): number[] {
    return this.select(ids).map((c) => {
      c.drop(mode);
      return c.id;
    });
  }

  serverShutdown(ids?: readonly number[]): number[] {
    return this.select(ids).map((c) => {
      c.announceShutdown();
      return c.id;
    });
  }

  stop(): Promise<void> {
    for (const c of this.all) c.terminate('stopped');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private select(ids: readonly number[] | undefined): Connection[] {
    return this.all.filter((c) => c.state !== 'closed' && (ids === undefined || ids.includes(c.id)));
  }

  /** Sends a trade to every connection subscribed to its stream. */
  broadcast(trade: Trade, combinedFrame: string): void {
    const stream = `${trade.symbol.toLowerCase()}@trade`;
    // The combined frame is `{"stream":"…","data":<raw event>}`: the raw event is its inside.
    const raw = combinedFrame.slice(`{"stream":"${stream}","data":`.length, -1);
    for (const c of this.all) c.sendTrade(stream, combinedFrame, raw);
  }

  /** The streams an upgrade asks for, or why it is refused. */
  private target(url: string): Target | Refusal {
    const { pathname, searchParams } = new URL(url, 'http://localhost');
    let target: Target;
    if (pathname === '/ws' || pathname.startsWith('/ws/')) {
      target = { combined: false, streams: splitStreams(pathname.slice(4)) };
    } else if (pathname === '/stream') {
      target = { combined: true, streams: splitStreams(searchParams.get('streams') ?? '') };
    } else {
      const msg = `no market streams at ${pathname}; use /ws/<stream> or /stream?streams=<stream>/<stream>`;
      return { status: 404, msg };
    }
    for (const name of target.streams) {
      const why = this.invalidStream(name);
      if (why !== undefined) return { status: 400, msg: why };
    }
    const max = this.settings.maxStreamsPerConnection;
    if (new Set(target.streams).size > max) {
      return {
        status: 400,
        msg: `${target.streams.length} streams requested; a connection may have at most ${max}`,
      };
    }
    return target;
  }

  private invalidStream(name: string): string | undefined {
    const m = /^([a-z0-9]+)@([A-Za-z0-9_]+)$/.exec(name);
    if (m === null) return `invalid stream name ${JSON.stringify(name)}`;
    if (!this.market.has(m[1]!.toUpperCase())) return `invalid stream ${name}: unknown symbol`;
    if (m[2] !== 'trade') return `invalid stream ${name}: this stand-in serves only <symbol>@trade`;
    return undefined;
  }
}

function splitStreams(list: string): string[] {
  return list.split('/').filter((s) => s !== '');
}

/** Answers an upgrade request with an HTTP error instead of switching protocols. */
function refuse(socket: Duplex, { status, msg }: Refusal): void {
  const body = JSON.stringify({ code: 2, msg: `Invalid request: ${msg}` });
  const reason = status === 400 ? 'Bad Request' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
