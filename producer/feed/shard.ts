/**
 * A supervised combined-stream connection for a fixed list of streams. It reconnects forever
 * after losses (backoff, then the shared attempt limiter) and rotates make-before-break, before
 * Binance's 24 h limit and when the server announces a shutdown: the new connection opens while
 * the old one still delivers, both deliver for a short overlap, then the old one is closed. Frames
 * from both reach onFrame; the consumer drops duplicates by trade id.
 */
import type pino from 'pino';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { Backoff } from './backoff.js';
import { type CloseInfo, FeedConnection } from './connection.js';
import { combinedUrl } from './streams.js';

export type RotationReason = 'scheduled' | 'serverShutdown';
export type ShardState = 'idle' | 'connecting' | 'open' | 'rotating' | 'backoff' | 'stopped';

export type ShardEvent =
  | { type: 'connected'; shard: string; connectionId: string; rotation: boolean }
  | ({ type: 'disconnected'; shard: string; connectionId: string } & Omit<CloseInfo, 'error'>)
  | { type: 'reconnecting'; shard: string; delayMs: number; attempt: number; rotation: boolean }
  | { type: 'rotation-started'; shard: string; why: RotationReason }
  | { type: 'rotation-finished'; shard: string; connectionId: string };

export interface ShardOptions {
  id: string;
  baseUrl: string;
  streams: string[];
  /** Server pings every 20 s: 60 s of silence means the connection is dead. */
  watchdogMs: number;
  /** Planned rotation, before the 24 h limit; each shard subtracts a random part of rotateJitterMs. */
  rotateAfterMs: number;
  /** Default 5 % of rotateAfterMs, so shards started together do not rotate together. */
  rotateJitterMs?: number;
  /** Make-before-break overlap, counted from the new connection's first frame (or its open, if quiet). */
  overlapMs: number;
  /** Default 10 s. */
  openTimeoutMs?: number;
  backoff: Backoff;
  limiter: AttemptLimiter;
  /** A connection up this long resets the backoff. Default 60 s. */
  stableAfterMs?: number;
  onFrame: (text: string, receivedAt: number, connectionId: string) => void;
  onEvent?: (e: ShardEvent) => void;
  logger?: pino.Logger;
  now?: () => number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface ShardStatus {
  id: string;
  state: ShardState;
  streams: number;
  connectedSince?: number;
  lastMessageAt?: number;
  /** Reconnects scheduled after unplanned losses (rotations not included). */
  reconnects: number;
  rotations: number;
  framesReceived: number;
}

interface Slot {
  readonly id: string;
  conn: FeedConnection;
  openedAt?: number;
}

type TimerName = 'retry' | 'rotate' | 'stable' | 'overlap';

export class Shard {
  private readonly o: ShardOptions;
  private readonly url: string;
  private readonly now: () => number;
  private state: ShardState = 'idle';
  private current: Slot | undefined;
  private next: Slot | undefined;
  private rotating: RotationReason | undefined;
  private readonly timers = new Map<TimerName, unknown>();
  /** Every connection not yet closed, including an old one still closing after a rotation. */
  private readonly live = new Set<Slot>();
  private readonly abort = new AbortController();
  private seq = 0;
  private counts = { reconnects: 0, rotations: 0, frames: 0 };
  private lastMessageAt: number | undefined;

  constructor(options: ShardOptions) {
    this.o = options;
    this.url = combinedUrl(options.baseUrl, options.streams);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`shard ${this.o.id} already started`);
    this.state = 'connecting';
    void this.dial('primary');
  }

  /** Closes every connection and timer; resolves when all sockets are closed. No reconnect after. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.abort.abort();
    for (const name of [...this.timers.keys()]) this.clear(name);
    const slots = [...this.live];
    this.current = undefined;
    this.next = undefined;
    for (const s of slots) s.conn.close('stop');
    await Promise.all(slots.map((s) => s.conn.closed));
  }

  status(): ShardStatus {
    return {
      id: this.o.id,
      state: this.state,
      streams: this.o.streams.length,
      connectedSince: this.current?.openedAt,
      lastMessageAt: this.lastMessageAt,
      reconnects: this.counts.reconnects,
      rotations: this.counts.rotations,
      framesReceived: this.counts.frames,
    };
  }

  private async dial(role: 'primary' | 'rotation'): Promise<void> {
    try {
      await this.o.limiter.acquire(this.abort.signal);
    } catch (err) {
      // Only our own stop() aborts the wait.
      if (this.state !== 'stopped') this.o.logger?.error({ shard: this.o.id, err }, 'attempt limiter failed');
      return;
    }
    if (this.state === 'stopped') return;
    const slot: Slot = { id: `${this.o.id}#${++this.seq}`, conn: undefined as unknown as FeedConnection };
    slot.conn = new FeedConnection({
      url: this.url,
      id: slot.id,
      watchdogMs: this.o.watchdogMs,
      openTimeoutMs: this.o.openTimeoutMs ?? 10_000,
      onFrame: (text, at) => this.deliver(slot, text, at),
      onClose: (info) => this.closed(slot, info),
      ...(this.o.logger ? { logger: this.o.logger } : {}),
      now: this.now,
    });
    this.live.add(slot);
    if (role === 'primary') this.current = slot;
    else this.next = slot;
    // A failed open is reported through onClose, which decides what happens next.
    slot.conn.open().then(
      () => this.opened(slot),
      () => undefined,
    );
  }

  private opened(slot: Slot): void {
    if (this.state === 'stopped') return;
    slot.openedAt = this.now();
    if (slot === this.current) {
      this.emit({ type: 'connected', shard: this.o.id, connectionId: slot.id, rotation: false });
      this.becomeOpen();
    } else if (slot === this.next) {
      this.emit({ type: 'connected', shard: this.o.id, connectionId: slot.id, rotation: true });
      this.set('overlap', this.o.overlapMs, () => this.finishRotation());
    }
  }

  private deliver(slot: Slot, text: string, receivedAt: number): void {
    this.counts.frames++;
    this.lastMessageAt = receivedAt;
    if (slot === this.next && slot.conn.stats().framesReceived === 1 && this.timers.has('overlap')) {
      // The first frame proves the new subscription is live: keep the old one overlapMs beyond it.
      this.set('overlap', this.o.overlapMs, () => this.finishRotation());
    }
    // Only frames mentioning it are parsed: the check runs on every trade frame.
    if (slot === this.current && text.includes('serverShutdown') && isServerShutdown(text)) {
      this.startRotation('serverShutdown');
    }
    this.o.onFrame(text, receivedAt, slot.id);
  }

  private closed(slot: Slot, info: CloseInfo): void {
    const { code, reason, planned } = info;
    this.live.delete(slot);
    this.emit({ type: 'disconnected', shard: this.o.id, connectionId: slot.id, code, reason, planned });
    if (!planned)
      this.o.logger?.warn({ shard: this.o.id, connection: slot.id, code, reason }, 'connection lost');
    if (this.state === 'stopped') return;
    if (slot === this.next) {
      // The rotation's new connection failed: the old one keeps delivering while we retry.
      this.next = undefined;
      this.clear('overlap');
      this.retry('rotation', () => void this.dial('rotation'));
    } else if (slot === this.current) {
      this.current = undefined;
      this.clear('stable');
      this.clear('rotate');
      this.clear('retry');
      if (this.next !== undefined) this.promoteNext();
      else {
        this.rotating = undefined;
        this.retry('primary', () => {
          this.state = 'connecting';
          void this.dial('primary');
        });
      }
    }
  }

  /** The old connection died mid-rotation: the new one (open or still opening) takes over at once. */
  private promoteNext(): void {
    const fresh = this.next!;
    this.next = undefined;
    this.current = fresh;
    this.clear('overlap');
    this.rotating = undefined;
    if (fresh.openedAt === undefined) {
      this.state = 'connecting';
      return;
    }
    this.counts.rotations++;
    this.becomeOpen();
    this.emit({ type: 'rotation-finished', shard: this.o.id, connectionId: fresh.id });
  }

  private startRotation(why: RotationReason): void {
    if (this.rotating !== undefined || this.current?.openedAt === undefined) return;
    this.clear('rotate');
    this.rotating = why;
    this.state = 'rotating';
    this.o.logger?.info({ shard: this.o.id, why }, 'rotation started');
    this.emit({ type: 'rotation-started', shard: this.o.id, why });
    void this.dial('rotation');
  }

  private finishRotation(): void {
    const old = this.current;
    const fresh = this.next;
    if (old === undefined || fresh === undefined) return;
    this.current = fresh;
    this.next = undefined;
    this.rotating = undefined;
    this.counts.rotations++;
    this.becomeOpen();
    old.conn.close('rotation');
    this.emit({ type: 'rotation-finished', shard: this.o.id, connectionId: fresh.id });
  }

  private becomeOpen(): void {
    this.state = 'open';
    this.set('stable', this.o.stableAfterMs ?? 60_000, () => this.o.backoff.reset());
    const jitter = this.o.rotateJitterMs ?? this.o.rotateAfterMs * 0.05;
    const random = this.o.random ?? Math.random;
    // Subtracting keeps every shard under the limit rotateAfterMs was chosen for.
    const after = Math.max(1, this.o.rotateAfterMs - random() * jitter);
    this.set('rotate', after, () => this.startRotation('scheduled'));
  }

  private retry(role: 'primary' | 'rotation', then: () => void): void {
    const delayMs = this.o.backoff.next();
    const attempt = this.o.backoff.attempts;
    if (role === 'primary') {
      this.counts.reconnects++;
      this.state = 'backoff';
    }
    this.emit({ type: 'reconnecting', shard: this.o.id, delayMs, attempt, rotation: role === 'rotation' });
    this.set('retry', delayMs, then);
  }

  private set(name: TimerName, ms: number, fn: () => void): void {
    this.clear(name);
    const setTimer = this.o.setTimer ?? setTimeout;
    this.timers.set(
      name,
      setTimer(() => {
        this.timers.delete(name);
        fn();
      }, ms),
    );
  }

  private clear(name: TimerName): void {
    if (!this.timers.has(name)) return;
    const clearTimer = this.o.clearTimer ?? ((t: unknown) => clearTimeout(t as NodeJS.Timeout));
    clearTimer(this.timers.get(name));
    this.timers.delete(name);
  }

  private emit(e: ShardEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch (err) {
      this.o.logger?.error({ shard: this.o.id, err, event: e.type }, 'onEvent threw');
    }
  }
}

function isServerShutdown(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { e?: unknown; data?: { e?: unknown } };
    return parsed.e === 'serverShutdown' || parsed.data?.e === 'serverShutdown';
  } catch {
    // Not JSON: then it is no shutdown notice either; the consumer reports unparseable frames.
    return false;
  }
}
