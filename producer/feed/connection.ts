/**
 * One Binance WebSocket: opens it, hands each text frame on with the time it arrived, and reports
 * its end exactly once. It never sends anything itself: `ws` answers the server's pings (autoPong)
 * and Binance drops connections that send more than 5 messages per second.
 */
import type pino from 'pino';
import WebSocket, { type RawData } from 'ws';
import { FeedError } from './errors.js';

export interface CloseInfo {
  code: number;
  reason: string;
  /** True when close() ended it; false for server closes, drops, watchdog and failed opens. */
  planned: boolean;
  error?: Error;
}

export interface ConnectionOptions {
  url: string;
  id: string;
  /** No frame and no ping from the server for this long → the connection is dead: terminate it. */
  watchdogMs: number;
  openTimeoutMs: number;
  onFrame: (text: string, receivedAt: number) => void;
  /** Called exactly once, also when the connection never opened. */
  onClose: (info: CloseInfo) => void;
  /** How long close() waits for the server's close frame before dropping the socket. Default 2 s. */
  closeTimeoutMs?: number;
  logger?: pino.Logger;
  now?: () => number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

export interface ConnectionStats {
  framesReceived: number;
  bytesReceived: number;
  pingsReceived: number;
  /** Binance sends text only; binary frames are counted and dropped. */
  binaryFramesIgnored: number;
  /** Frames whose onFrame threw; the error is logged and the connection keeps going. */
  frameHandlerErrors: number;
  openedAt: number | undefined;
  lastMessageAt: number | undefined;
}

/** 1006: the socket ended without a close frame (RFC 6455). */
const ABNORMAL_CLOSURE = 1006;

export class FeedConnection {
  private readonly o: ConnectionOptions;
  private readonly now: () => number;
  private ws: WebSocket | undefined;
  private current: ConnectionState = 'idle';
  private plannedReason: string | undefined;
  private failure: Error | undefined;
  private lastActivity = 0;
  private openTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private settleOpen: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly counters: ConnectionStats = {
    framesReceived: 0,
    bytesReceived: 0,
    pingsReceived: 0,
    binaryFramesIgnored: 0,
    frameHandlerErrors: 0,
    openedAt: undefined,
    lastMessageAt: undefined,
  };
  /** Resolves with the same info onClose got. */
  readonly closed: Promise<CloseInfo>;
  private resolveClosed!: (info: CloseInfo) => void;

  constructor(options: ConnectionOptions) {
    if (!(options.watchdogMs > 0) || !(options.openTimeoutMs > 0)) {
      throw new FeedError('BAD_OPTIONS', 'watchdogMs and openTimeoutMs must be > 0');
    }
    this.o = options;
    this.now = options.now ?? Date.now;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get id(): string {
    return this.o.id;
  }

  get state(): ConnectionState {
    return this.current;
  }

  stats(): ConnectionStats {
    return { ...this.counters };
  }

  /**
   * Resolves once the handshake is done. Rejects when it fails; onClose reports that failure
   * too, so a caller that handles onClose may ignore the rejection.
   */
  open(): Promise<void> {
    if (this.current !== 'idle') return Promise.reject(new Error(`connection ${this.o.id} already opened`));
    this.current = 'connecting';
    const opened = new Promise<void>((resolve, reject) => {
      this.settleOpen = { resolve, reject };
    });
    let ws: WebSocket;
    try {
      // Binance does not negotiate compression by default; offering it only costs CPU.
      ws = new WebSocket(this.o.url, { perMessageDeflate: false, autoPong: true, followRedirects: false });
    } catch (err) {
      this.failure = err as Error; // a malformed URL: report it like any failed open
      this.finish(ABNORMAL_CLOSURE, '');
      return opened;
    }
    this.ws = ws;
    this.openTimer = setTimeout(() => {
      this.fail(new FeedError('OPEN_TIMEOUT', `no handshake within ${this.o.openTimeoutMs} ms`));
    }, this.o.openTimeoutMs);
    ws.on('open', () => this.onOpen());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('ping', () => {
      this.counters.pingsReceived++;
      this.lastActivity = this.now();
    });
    ws.on('pong', () => {
      this.lastActivity = this.now();
    });
    ws.on('error', (err) => {
      this.failure ??= err;
      this.o.logger?.debug({ connection: this.o.id, err }, 'websocket error');
    });
    ws.on('close', (code, reason) => this.finish(code, reason.toString()));
    return opened;
  }

  /** Ends the connection on purpose: onClose gets planned=true. */
  close(reason: string): void {
    if (this.current === 'closed' || this.current === 'closing') return;
    this.plannedReason = reason;
    if (this.ws === undefined) {
      this.finish(1000, reason);
      return;
    }
    this.current = 'closing';
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
      return;
    }
    this.ws.close(1000, reason.slice(0, 120));
    this.closeTimer = setTimeout(() => this.ws?.terminate(), this.o.closeTimeoutMs ?? 2000);
  }

  private onOpen(): void {
    clearTimeout(this.openTimer);
    if (this.current !== 'connecting') return;
    this.current = 'open';
    const now = this.now();
    this.counters.openedAt = now;
    this.lastActivity = now;
    this.armWatchdog(this.o.watchdogMs);
    this.settleOpen?.resolve();
    this.settleOpen = undefined;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const receivedAt = this.now();
    this.lastActivity = receivedAt;
    this.counters.lastMessageAt = receivedAt;
    if (isBinary) {
      this.counters.binaryFramesIgnored++;
      return;
    }
    const buffer = toBuffer(data);
    this.counters.framesReceived++;
    this.counters.bytesReceived += buffer.length;
    try {
      this.o.onFrame(buffer.toString(), receivedAt);
    } catch (err) {
      // A consumer bug must not take the socket down (a throw here would escape into ws's parser).
      this.counters.frameHandlerErrors++;
      this.o.logger?.error({ connection: this.o.id, err }, 'onFrame threw');
    }
  }

  /** One timer re-armed for the time left, not one reset per frame: frames can come by thousands a second. */
  private armWatchdog(ms: number): void {
    this.watchdogTimer = setTimeout(() => {
      const silent = this.now() - this.lastActivity;
      if (silent < this.o.watchdogMs) {
        this.armWatchdog(this.o.watchdogMs - silent);
        return;
      }
      this.fail(new FeedError('WATCHDOG', `nothing from the server for ${silent} ms`));
    }, ms);
  }

  /** Drops the socket for a reason of ours; the 'close' event then reports it unplanned. */
  private fail(err: FeedError): void {
    // A planned close already under way ends the socket itself (closeTimeoutMs at the latest).
    if (this.current === 'closed' || this.plannedReason !== undefined) return;
    this.failure = err;
    this.o.logger?.warn({ connection: this.o.id, code: err.code }, err.message);
    this.ws?.terminate();
  }

  private finish(code: number, serverReason: string): void {
    if (this.current === 'closed') return;
    const wasOpen = this.counters.openedAt !== undefined;
    this.current = 'closed';
    clearTimeout(this.openTimer);
    clearTimeout(this.watchdogTimer);
    clearTimeout(this.closeTimer);
    const planned = this.plannedReason !== undefined && !(this.failure instanceof FeedError);
    const error = planned ? undefined : this.closeError(wasOpen);
    const reason = planned ? this.plannedReason! : serverReason || error?.message || '';
    const info: CloseInfo = { code: code || ABNORMAL_CLOSURE, reason, planned, ...(error ? { error } : {}) };
    if (this.settleOpen) {
      this.settleOpen.reject(error ?? new FeedError('CONNECTION_FAILED', `closed before open: ${reason}`));
      this.settleOpen = undefined;
    }
    this.resolveClosed(info);
    try {
      this.o.onClose(info);
    } catch (err) {
      this.o.logger?.error({ connection: this.o.id, err }, 'onClose threw');
    }
  }

  private closeError(wasOpen: boolean): Error | undefined {
    if (this.failure instanceof FeedError || wasOpen) return this.failure;
    return new FeedError(
      'CONNECTION_FAILED',
      `could not open ${this.o.id}: ${this.failure?.message ?? 'closed'}`,
      {
        cause: this.failure,
      },
    );
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
