/**
 * One market-stream connection: what it is subscribed to, the server's pings and the pong
 * deadline, the incoming message limit, the lifetime that ends in a serverShutdown event, and the
 * ways a test can make it fail.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { controlReply, type Subscriptions } from './ws-control.js';

export type ConnectionState = 'open' | 'silent' | 'closed';
export type DropMode = 'close' | 'terminate' | 'silent' | 'midFrame';
/** Why a connection ended: the client, a limit it broke, or a fault or shutdown the server made. */
export type CloseReason = 'client' | 'rateLimit' | 'pongTimeout' | 'serverShutdown' | DropMode | 'stopped';

export interface ConnectionInfo {
  readonly id: number;
  /** The request path with its query, e.g. `/stream?streams=btcusdt@trade`. */
  readonly path: string;
  readonly streams: readonly string[];
  readonly combined: boolean;
  readonly openedAt: number;
  /** Everything that counts against the message limit: text and binary messages, pings and pongs. */
  readonly messagesFromClient: number;
  readonly pongsReceived: number;
  readonly state: ConnectionState;
  readonly closeReason?: CloseReason;
}

export interface ConnectionSettings {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly maxMessagesPerSecond: number;
  readonly maxStreamsPerConnection: number;
  readonly maxConnectionLifetimeMs: number;
  readonly shutdownGraceMs: number;
  readonly now: () => number;
  readonly invalidStream: (name: string) => string | undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class Connection implements Subscriptions {
  state: ConnectionState = 'open';
  closeReason: CloseReason | undefined;
  readonly openedAt: number;
  readonly maxStreams: number;
  private messages = 0;
  private pongs = 0;
  /** Arrival times of the messages of the last second. */
  private recent: number[] = [];
  private lastFrame = '';
  private readonly timers = new Set<NodeJS.Timeout>();
  private pongDeadline: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly streams: Set<string>,
    public combined: boolean,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly settings: ConnectionSettings,
  ) {
    this.openedAt = settings.now();
    this.maxStreams = settings.maxStreamsPerConnection;
  }

  /** Starts listening to the client, pinging it and counting down its lifetime. */
  open(): void {
    const { ws, settings } = this;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('ping', (data) => this.onPing(data));
    ws.on('pong', () => this.onPong());
    ws.on('close', () => this.finish('client'));
    // ws closes the connection itself after a protocol error from the client; it ends as the client's doing.
    ws.on('error', () => this.finish('client'));
    const ping = setInterval(() => this.ping(), settings.pingIntervalMs);
    this.track(ping);
    this.later(Math.min(settings.maxConnectionLifetimeMs, MAX_TIMER_MS), () => this.announceShutdown());
  }

  invalidStream(name: string): string | undefined {
    return this.settings.invalidStream(name);
  }

  /** Sends a trade if the connection is subscribed to its stream and not silenced. */
  sendTrade(stream: string, combinedFrame: string, rawFrame: string): void {
    if (this.state === 'open' && this.streams.has(stream))
      this.send(this.combined ? combinedFrame : rawFrame);
  }

  /** Sends the serverShutdown event and closes the connection shutdownGraceMs later. */
  announceShutdown(): void {
    if (this.state !== 'open' || this.shuttingDown) return;
    this.shuttingDown = true;
    const data = `{"e":"serverShutdown","E":${this.settings.now()}}`;
    this.send(this.combined ? `{"stream":"!serverShutdown","data":${data}}` : data);
    this.later(this.settings.shutdownGraceMs, () => {
      this.finish('serverShutdown');
      this.ws.close(1001, 'Server shutdown');
    });
  }

  drop(mode: DropMode): void {
    if (this.state === 'closed') return;
    if (mode === 'silent') {
      this.state = 'silent';
      this.clearTimers();
      return;
    }
    this.finish(mode);
    if (mode === 'close') this.ws.close(1001, 'Going away');
    else if (mode === 'terminate') this.ws.terminate();
    else this.socket.write(partialFrame(this.lastFrame), () => this.socket.destroy());
  }

  /** Ends the connection at once, without a close frame. */
  terminate(reason: CloseReason): void {
    this.finish(reason);
    this.ws.terminate();
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      path: this.path,
      streams: [...this.streams],
      combined: this.combined,
      openedAt: this.openedAt,
      messagesFromClient: this.messages,
      pongsReceived: this.pongs,
      state: this.state,
      ...(this.closeReason === undefined ? {} : { closeReason: this.closeReason }),
    };
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.countIncoming() || this.state !== 'open') return;
    const text = isBinary ? '' : data.toString();
    this.send(JSON.stringify(controlReply(text, this)));
  }

  private onPing(data: Buffer): void {
    if (this.countIncoming() && this.state === 'open') this.ws.pong(data);
  }

  /** A pong answers the oldest unanswered ping; an unsolicited one keeps nothing alive. */
  private onPong(): void {
    this.pongs++;
    if (!this.countIncoming()) return;
    if (this.pongDeadline !== undefined && this.state === 'open') {
      this.untrack(this.pongDeadline);
      this.pongDeadline = undefined;
    }
  }

  /** Counts a message; false when it broke the per-second limit and the connection was dropped. */
  private countIncoming(): boolean {
    this.messages++;
    if (this.state !== 'open') return true;
    const now = this.settings.now();
    this.recent = this.recent.filter((t) => t > now - 1000);
    this.recent.push(now);
    if (this.recent.length <= this.settings.maxMessagesPerSecond) return true;
    this.terminate('rateLimit');
    return false;
  }

  private ping(): void {
    if (this.state !== 'open') return;
    this.ws.ping();
    if (this.pongDeadline === undefined) {
      this.pongDeadline = this.later(this.settings.pongTimeoutMs, () => this.terminate('pongTimeout'));
    }
  }

  private send(text: string): void {
    this.lastFrame = text;
    this.ws.send(text);
  }

  private finish(reason: CloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    this.clearTimers();
  }

  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    return this.track(timer);
  }

  private track(timer: NodeJS.Timeout): NodeJS.Timeout {
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private untrack(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pongDeadline = undefined;
  }
}

/**
 * The header and the first half of an unmasked text frame carrying `text` (a frame like the last
 * one sent, or a placeholder): a client reading it waits for bytes that never come.
 */
function partialFrame(text: string): Buffer {
  const payload = Buffer.from(text === '' ? '{"e":"trade","E":0,"s":"BTCUSDT"}' : text);
  const n = payload.length;
  let header: Buffer;
  if (n < 126) header = Buffer.from([0x81, n]);
  else if (n < 65_536) header = Buffer.from([0x81, 126, n >> 8, n & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload.subarray(0, Math.floor(n / 2))]);
}
