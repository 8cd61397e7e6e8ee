/**
 * One standard queue: visible messages in arrival order, hidden ones (delayed or in flight) in a
 * schedule ordered by when they reappear, and the latest receipt handle of each received message.
 * The schedule's one timer, set for the earliest hidden message, brings messages back and wakes
 * long polls; every operation also catches up with the clock itself, so a late timer changes nothing.
 */

import { Deque } from '../../core/deque.js';
import type { FaultController } from '../faults.js';
import { Timeline } from '../structures/timeline.js';
import { type Waiter, WaitList } from './long-poll.js';
import type { StoredMessage } from './message.js';
import { MAX_VISIBILITY_TIMEOUT, type QueueSettings } from './queue-settings.js';
import type { ReceiptIssuer } from './receipts.js';

export interface QueueStats {
  readonly visible: number;
  readonly notVisible: number;
  readonly delayed: number;
}

export interface DeliveryPlan {
  /** Seconds a delivered message stays hidden. */
  readonly visibilityTimeout: number;
  /** Where a message past its receive limit goes instead of being delivered. */
  readonly deadLetter: { readonly queue: SqsQueue; readonly maxReceiveCount: number } | undefined;
  /** Asked once per delivered message whether to hand it out once more later. */
  readonly faults: Pick<FaultController, 'duplicate'>;
}

export type VisibilityChange = 'changed' | 'not-inflight' | 'unknown' | 'over-limit';

export interface QueueIdentity {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
}

export class SqsQueue {
  readonly name: string;
  readonly arn: string;
  /** Epoch ms. */
  readonly createdAt: number;
  modifiedAt: number;
  lastPurgedAt = 0;
  private readonly ready = new Deque<StoredMessage>();
  private readonly hidden: Timeline<StoredMessage>;
  private readonly handles = new Map<string, StoredMessage>();
  private readyCount = 0;
  private delayedCount = 0;
  private readonly waiters = new WaitList();
  private wakeQueued = false;
  private closed = false;

  constructor(
    identity: QueueIdentity,
    readonly settings: QueueSettings,
    private readonly receipts: ReceiptIssuer,
    clock: () => number = Date.now,
  ) {
    this.name = identity.name;
    this.arn = identity.arn;
    this.createdAt = identity.createdAt;
    this.modifiedAt = identity.createdAt;
    // Brings back each hidden message whose time has come.
    this.hidden = new Timeline(clock, (message) => this.show(message));
  }

  /** Messages received and not yet visible again, as the in-flight limit counts them. */
  get inFlight(): number {
    return this.hidden.size - this.delayedCount;
  }

  enqueue(message: StoredMessage, delaySeconds: number, now: number): void {
    if (delaySeconds > 0) {
      message.state = 'delayed';
      message.visibleAt = now + delaySeconds * 1000;
      this.delayedCount++;
      this.hidden.add(message);
    } else {
      this.show(message);
    }
  }

  /** Delivers up to `max` visible messages, moving those past their receive limit aside. */
  take(max: number, plan: DeliveryPlan, now: number): StoredMessage[] {
    this.hidden.catchUp(now);
    const taken: StoredMessage[] = [];
    const hideMs = plan.visibilityTimeout * 1000;
    const retentionMs = this.settings.retentionMs;
    while (taken.length < max) {
      const message = this.ready.shift();
      if (message === undefined) break;
      if (message.state !== 'ready') continue;
      if (now - message.sentAt >= retentionMs) {
        this.forget(message);
      } else if (plan.deadLetter !== undefined && message.receiveCount >= plan.deadLetter.maxReceiveCount) {
        this.forget(message);
        plan.deadLetter.queue.acceptDeadLetter(message, this.arn, now);
      } else {
        this.readyCount--;
        this.deliver(message, now, now + hideMs);
        taken.push(message);
        if (plan.faults.duplicate('sqs')) this.hideCopy(message, now + hideMs);
      }
    }
    return taken;
  }

  /** Deletes the message the handle was last issued for; false when it names none. */
  delete(handle: string): boolean {
    const message = this.handles.get(handle);
    if (message === undefined) return false;
    this.forget(message);
    return true;
  }

  changeVisibility(handle: string, seconds: number, now: number): VisibilityChange {
    this.hidden.catchUp(now);
    const message = this.handles.get(handle);
    if (message === undefined) return 'unknown';
    if (message.state !== 'inflight') return 'not-inflight';
    const visibleAt = now + seconds * 1000;
    if (visibleAt > message.receivedAt + MAX_VISIBILITY_TIMEOUT * 1000) return 'over-limit';
    if (seconds === 0) {
      this.hidden.remove(message);
      this.show(message);
    } else {
      message.visibleAt = visibleAt;
      this.hidden.update(message);
    }
    return 'changed';
  }

  /** A message a source queue's redrive policy moved here: kept whole, its receive count restarted. */
  acceptDeadLetter(original: StoredMessage, sourceArn: string, now: number): void {
    const message = original.copy();
    message.deadLetterSourceArn = sourceArn;
    this.enqueue(message, 0, now);
  }

  purge(now: number): void {
    this.ready.clear();
    this.hidden.clear();
    this.handles.clear();
    this.readyCount = 0;
    this.delayedCount = 0;
    this.lastPurgedAt = now;
  }

  stats(now: number): QueueStats {
    this.hidden.catchUp(now);
    this.dropExpired(now);
    return {
      visible: this.readyCount,
      notVisible: this.hidden.size - this.delayedCount,
      delayed: this.delayedCount,
    };
  }

  /** Parks a long poll until messages arrive; returns the withdrawal for a vanished client. */
  wait(waiter: Waiter, waitMs: number): () => void {
    if (this.closed) {
      waiter.expire();
      return () => {};
    }
    return this.waiters.add(waiter, waitMs);
  }

  /** Every message held, visible ones first in order, for snapshots. */
  *messages(): IterableIterator<StoredMessage> {
    for (const message of this.ready) if (message.state === 'ready') yield message;
    yield* this.hidden.values();
  }

  /** Puts back a message read from a snapshot, in the state it was saved in. */
  restore(message: StoredMessage): void {
    if (message.handle !== undefined) this.handles.set(message.handle, message);
    if (message.state === 'ready') {
      this.ready.push(message);
      this.readyCount++;
      return;
    }
    if (message.state === 'delayed') this.delayedCount++;
    this.hidden.add(message);
  }

  /** Stops the timer and answers every long poll with no messages. */
  close(): void {
    this.closed = true;
    this.hidden.stop();
    this.waiters.expireAll();
  }

  private show(message: StoredMessage): void {
    if (message.state === 'delayed') this.delayedCount--;
    message.state = 'ready';
    this.ready.push(message);
    this.readyCount++;
    this.queueWake();
  }

  private deliver(message: StoredMessage, now: number, visibleAt: number): void {
    message.receiveCount++;
    if (message.firstReceivedAt === 0) message.firstReceivedAt = now;
    message.receivedAt = now;
    if (message.handle !== undefined) this.handles.delete(message.handle);
    message.handle = this.receipts.issue(this.name, message.id);
    this.handles.set(message.handle, message);
    message.state = 'inflight';
    message.visibleAt = visibleAt;
    this.hidden.add(message);
  }

  /** At-least-once delivery: the same message reappears later even if this delivery is deleted. */
  private hideCopy(message: StoredMessage, visibleAt: number): void {
    const copy = message.copy();
    copy.receiveCount = message.receiveCount;
    copy.firstReceivedAt = message.firstReceivedAt;
    copy.state = 'inflight';
    copy.visibleAt = visibleAt;
    this.hidden.add(copy);
  }

  private forget(message: StoredMessage): void {
    if (message.state === 'ready') this.readyCount--;
    else if (message.state === 'delayed') this.delayedCount--;
    if (message.heapIndex >= 0) this.hidden.remove(message);
    if (message.handle !== undefined) this.handles.delete(message.handle);
    // A visible message stays in the list until a receive skips it: removal there would be O(n).
    message.state = 'gone';
  }

  private dropExpired(now: number): void {
    const retentionMs = this.settings.retentionMs;
    const expired: StoredMessage[] = [];
    for (const message of this.messages()) if (now - message.sentAt >= retentionMs) expired.push(message);
    for (const message of expired) this.forget(message);
  }

  /** Wakes long polls once the current request is done, so they see a whole batch at once. */
  private queueWake(): void {
    if (this.wakeQueued || this.waiters.size === 0) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      this.waiters.wake(() => this.readyCount > 0);
    });
  }
}
