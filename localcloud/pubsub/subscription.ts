/**
 * One subscription: its settings, its backlog, and who is consuming it. Deliveries are made by a
 * pump that runs once per turn of the event loop after messages become deliverable, so that all
 * the publishes of a turn go out together: first to waiting Pull calls, then round-robin to open
 * StreamingPull streams within each stream's flow-control room, then to the push endpoint.
 */
import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc-service.js';
import { Backlog } from './backlog.js';
import type { Entry, Holder } from './message.js';
import { type DeliveryPolicy, policyOf } from './policy.js';
import { PushDelivery } from './push.js';
import type { SubscriptionSettings } from './settings.js';
import type { ReceivedMessage } from './wire.js';

/** Most messages one response carries. */
export const MAX_BATCH_MESSAGES = 1000;
/** About the most bytes one response carries; a larger single message still goes alone. */
export const MAX_BATCH_BYTES = 10_000_000;

export interface SubscriptionContext {
  readonly clock: () => number;
  readonly nextAckId: () => string;
  readonly duplicate: () => boolean;
  /** Publishes the entry's message to the dead-letter topic; false when that topic is gone. */
  readonly deadLetter: (subscription: Subscription, entry: Entry) => boolean;
  readonly pushConcurrency: number;
}

/** An open StreamingPull stream, as the pump sees it. */
export interface StreamConsumer extends Holder {
  readonly deadlineMs: number;
  /** How many more messages and bytes the stream may be sent now. */
  roomMessages(): number;
  roomBytes(): number;
  send(entries: Entry[]): void;
  end(error: GrpcStatusError): void;
}

/** A Pull call waiting for messages. */
export interface PullWaiter {
  readonly max: number;
  serve(entries: Entry[]): void;
  end(error: GrpcStatusError): void;
}

/** Pull has no flow control to release. */
const PULL_HOLDER: Holder = { release: () => {} };

export class Subscription {
  readonly backlog: Backlog;
  private currentPolicy: DeliveryPolicy;
  private readonly streams: StreamConsumer[] = [];
  private readonly waiters = new Set<PullWaiter>();
  private pusher: PushDelivery | undefined;
  private pumpQueued = false;
  private nextStream = 0;
  private closed = false;

  constructor(
    readonly name: string,
    public topic: string,
    private current: SubscriptionSettings,
    private readonly context: SubscriptionContext,
  ) {
    this.currentPolicy = policyOf(current);
    this.backlog = new Backlog({
      clock: context.clock,
      policy: () => this.currentPolicy,
      wake: () => this.wake(),
      nextAckId: context.nextAckId,
      duplicate: context.duplicate,
      deadLetter: (entry) => context.deadLetter(this, entry),
    });
    this.syncPush();
  }

  get settings(): SubscriptionSettings {
    return this.current;
  }

  set settings(next: SubscriptionSettings) {
    this.current = next;
    this.currentPolicy = policyOf(next);
    this.syncPush();
    this.wake();
  }

  attach(stream: StreamConsumer): void {
    this.streams.push(stream);
    this.wake();
  }

  detach(stream: StreamConsumer): void {
    const index = this.streams.indexOf(stream);
    if (index >= 0) this.streams.splice(index, 1);
  }

  /** Messages for a Pull, held for the subscription's ack deadline. */
  takeForPull(max: number): Entry[] {
    return this.backlog.take(
      Math.min(max, MAX_BATCH_MESSAGES),
      MAX_BATCH_BYTES,
      PULL_HOLDER,
      this.current.ackDeadlineSeconds * 1000,
    );
  }

  wait(waiter: PullWaiter): () => void {
    if (this.closed) {
      waiter.end(gone(this.name));
      return () => {};
    }
    this.waiters.add(waiter);
    this.wake();
    return () => this.waiters.delete(waiter);
  }

  /** The wire form of deliveries; delivery_attempt is sent only with a dead-letter policy, as the service does. */
  received(entries: readonly Entry[]): ReceivedMessage[] {
    const counted = this.current.deadLetter !== undefined;
    return entries.map((e) => ({
      ackId: e.ackId!,
      message: e.message.wire,
      deliveryAttempt: counted ? e.attempts : 0,
    }));
  }

  /** Runs the pump once this turn of the event loop is over. */
  wake(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    setImmediate(() => this.pump());
  }

  /** Ends every consumer with NOT_FOUND and drops the messages: the subscription was deleted. */
  close(): void {
    this.closed = true;
    const error = gone(this.name);
    for (const stream of [...this.streams]) stream.end(error);
    for (const waiter of this.waiters) waiter.end(error);
    this.streams.length = 0;
    this.waiters.clear();
    this.pusher?.stop();
    this.backlog.close();
  }

  private pump(): void {
    this.pumpQueued = false;
    if (this.closed) return;
    const backlog = this.backlog;
    for (const waiter of this.waiters) {
      if (!backlog.hasReady()) break;
      const entries = this.takeForPull(waiter.max);
      if (entries.length === 0) break;
      this.waiters.delete(waiter);
      waiter.serve(entries);
    }
    this.feedStreams();
    this.pusher?.pump();
  }

  /** Round-robin, one batch per stream per round, while any stream has room and messages remain. */
  private feedStreams(): void {
    const streams = this.streams;
    let progress = true;
    while (progress && streams.length > 0 && this.backlog.hasReady()) {
      progress = false;
      const count = streams.length;
      for (let i = 0; i < count && this.backlog.hasReady(); i++) {
        const stream = streams[(this.nextStream + i) % count]!;
        const messages = Math.min(stream.roomMessages(), MAX_BATCH_MESSAGES);
        const bytes = Math.min(stream.roomBytes(), MAX_BATCH_BYTES);
        if (messages <= 0 || bytes <= 0) continue;
        const entries = this.backlog.take(messages, bytes, stream, stream.deadlineMs);
        if (entries.length === 0) continue;
        stream.send(entries);
        progress = true;
      }
      this.nextStream = (this.nextStream + 1) % Math.max(1, streams.length);
    }
  }

  private syncPush(): void {
    const push = this.current.push;
    if (push !== undefined && this.pusher === undefined) {
      this.pusher = new PushDelivery(this, this.context.pushConcurrency);
    } else if (push === undefined && this.pusher !== undefined) {
      this.pusher.stop();
      this.pusher = undefined;
    }
  }
}

function gone(name: string): GrpcStatusError {
  return new GrpcStatusError(status.NOT_FOUND, `Subscription does not exist (resource=${name})`);
}
