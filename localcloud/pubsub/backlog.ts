/**
 * One subscription's messages: a queue of deliverable entries (and of ordering-key lanes), the
 * delivered ones by ack id, and one timeline of everything due at a time: ack deadlines, retry
 * backoffs and delayed duplicates. Its one timer does all redelivery; there is no timer per message.
 *
 * A nack (ack deadline 0) or an expired deadline is a failed delivery: the entry is delivered
 * again after the retry policy's backoff, or moved to the dead-letter topic once its delivery
 * attempts reach the policy's maximum. On an ordered subscription a failure sends the key's batch
 * from that message on back to the front of its lane, so the key's order holds.
 */
import { Deque } from '../../core/deque.js';
import { Timeline } from '../structures/timeline.js';
import { Entry, type Holder, KeyLane, type StoredMessage } from './message.js';
import { backoffMs, type DeliveryPolicy } from './policy.js';

export interface BacklogHooks {
  readonly clock: () => number;
  readonly policy: () => DeliveryPolicy;
  /** Deliverable entries appeared. */
  readonly wake: () => void;
  readonly nextAckId: () => string;
  /** Whether to deliver a copy of this delivery later (the duplicate fault). */
  readonly duplicate: () => boolean;
  /** Forwards an entry to the dead-letter topic; false when that topic is gone. */
  readonly deadLetter: (entry: Entry) => boolean;
}

/** A duplicate is delivered again this long after the delivery it copies. */
export const DUPLICATE_DELAY_MS = 1000;

export class Backlog {
  private readonly queue = new Deque<Entry | KeyLane>();
  private readonly timeline: Timeline<Entry | KeyLane>;
  private readonly leases = new Map<string, Entry>();
  private readonly lanes = new Map<string, KeyLane>();
  private seq = 0;
  private held = 0;

  constructor(private readonly hooks: BacklogHooks) {
    // Due: an expired deadline fails the delivery; an ended backoff, a lane's or a copy's wait, frees it.
    this.timeline = new Timeline(hooks.clock, (item, now) => {
      if (item instanceof KeyLane) this.enqueueLane(item);
      else if (item.state === 'out') this.fail(item, now);
      else this.park(item, 0, now);
    });
  }

  /** Messages kept, delivered or not. */
  get size(): number {
    return this.held;
  }

  get outstanding(): number {
    return this.leases.size;
  }

  hasReady(): boolean {
    return this.queue.length > 0;
  }

  add(message: StoredMessage): void {
    const key = message.orderingKey;
    this.held++;
    if (key === '' || !this.hooks.policy().ordered) {
      this.queue.push(new Entry(message, this.seq++, undefined, false));
      this.hooks.wake();
      return;
    }
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = new KeyLane(key);
      this.lanes.set(key, lane);
    }
    lane.pending.push(new Entry(message, this.seq++, lane, false));
    if (lane.state === 'idle') this.enqueueLane(lane);
  }

  /** Delivers up to `max` entries and about `maxBytes` (at least one entry) to a holder. */
  take(max: number, maxBytes: number, holder: Holder, deadlineMs: number): Entry[] {
    const now = this.hooks.clock();
    this.timeline.catchUp(now);
    const taken: Entry[] = [];
    const budget = { bytes: maxBytes, now, holder, deadlineMs };
    while (taken.length < max) {
      const item = this.queue.peek();
      if (item === undefined) break;
      if (item instanceof KeyLane) {
        if (!this.takeFromLane(item, max, taken, budget)) break;
        continue;
      }
      if (taken.length > 0 && item.message.size > budget.bytes) break;
      this.queue.shift();
      if (this.expired(item, now)) continue;
      this.deliver(item, budget);
      taken.push(item);
    }
    return taken;
  }

  ack(ackIds: readonly string[]): void {
    for (const ackId of ackIds) {
      const entry = this.leases.get(ackId);
      if (entry === undefined) continue;
      this.unlease(entry);
      this.finish(entry);
      const lane = entry.lane;
      if (lane !== undefined && --lane.outstanding === 0) {
        lane.batch = [];
        this.enqueueLane(lane);
      }
    }
  }

  /** Sets new deadlines, in seconds from now; 0 is a nack. Unknown or stale ack ids are ignored. */
  modify(ackIds: readonly string[], seconds: number): void {
    const now = this.hooks.clock();
    for (const ackId of ackIds) {
      const entry = this.leases.get(ackId);
      if (entry === undefined) continue;
      if (seconds === 0) {
        this.fail(entry, now);
      } else {
        entry.visibleAt = now + seconds * 1000;
        this.timeline.update(entry);
      }
    }
  }

  /** Restarts the deadlines of entries still out with the holder, from now. */
  restartDeadlines(entries: readonly Entry[], holder: Holder, deadlineMs: number): void {
    const at = this.hooks.clock() + deadlineMs;
    for (const entry of entries) {
      if (entry.state !== 'out' || entry.holder !== holder || entry.visibleAt >= at) continue;
      entry.visibleAt = at;
      this.timeline.update(entry);
    }
  }

  close(): void {
    this.timeline.close();
    this.queue.clear();
    this.leases.clear();
    this.lanes.clear();
  }

  /** Delivers the lane's next messages in order; false when the byte budget stops at the lane. */
  private takeFromLane(lane: KeyLane, max: number, taken: Entry[], budget: Budget): boolean {
    let delivered = 0;
    while (taken.length < max) {
      const entry = lane.pending.peek();
      if (entry === undefined) break;
      if (taken.length > 0 && entry.message.size > budget.bytes) break;
      lane.pending.shift();
      if (this.expired(entry, budget.now)) continue;
      this.deliver(entry, budget);
      lane.batch.push(entry);
      taken.push(entry);
      delivered++;
    }
    if (delivered === 0 && lane.pending.length > 0) return false;
    this.queue.shift();
    lane.outstanding += delivered;
    if (delivered > 0) lane.state = 'busy';
    else this.dropLane(lane);
    return true;
  }

  private deliver(entry: Entry, budget: Budget): void {
    budget.bytes -= entry.message.size;
    entry.attempts++;
    entry.state = 'out';
    entry.ackId = this.hooks.nextAckId();
    entry.holder = budget.holder;
    entry.visibleAt = budget.now + budget.deadlineMs;
    this.leases.set(entry.ackId, entry);
    this.timeline.add(entry);
    if (!entry.copy && this.hooks.duplicate()) {
      const copy = new Entry(entry.message, entry.seq, undefined, true);
      copy.attempts = entry.attempts;
      copy.state = 'waiting';
      copy.visibleAt = budget.now + DUPLICATE_DELAY_MS;
      this.held++;
      this.timeline.add(copy);
    }
  }

  /** A nack or an expired deadline: dead-letter, or deliver again after the backoff. */
  private fail(entry: Entry, now: number): void {
    this.unlease(entry);
    const policy = this.hooks.policy();
    const deadLetter = policy.deadLetter;
    const forwarded =
      deadLetter !== undefined &&
      entry.attempts >= deadLetter.maxDeliveryAttempts &&
      this.hooks.deadLetter(entry);
    const lane = entry.lane;
    if (forwarded) {
      this.finish(entry);
      // The rest of the key's batch was delivered in order after it and stays out.
      if (lane !== undefined) {
        lane.batch = lane.batch.filter((e) => e !== entry);
        if (--lane.outstanding === 0) {
          lane.batch = [];
          this.enqueueLane(lane);
        }
      }
    } else if (lane !== undefined) {
      this.failBatch(lane, entry, backoffMs(policy, entry.attempts), now);
    } else {
      this.park(entry, backoffMs(policy, entry.attempts), now);
    }
  }

  /**
   * Sends the key's batch back to the front of its lane, in order: the failed entry, every later
   * entry of the batch even if acknowledged (as the service redelivers them), and any earlier one
   * still out. The lane then waits out the backoff, so the key's order holds across redelivery.
   */
  private failBatch(lane: KeyLane, failed: Entry, backoff: number, now: number): void {
    const back: Entry[] = [];
    for (const entry of lane.batch) {
      if (entry === failed) {
        back.push(entry);
        continue;
      }
      const later = entry.seq > failed.seq;
      if (entry.state === 'out') this.unlease(entry);
      else if (entry.state === 'done' && later) this.held++;
      else continue;
      // Not a failed delivery of its own: the next delivery carries the same attempt number.
      entry.attempts--;
      back.push(entry);
    }
    back.sort((a, b) => a.seq - b.seq);
    for (const entry of back) entry.state = 'ready';
    lane.pending.unshiftAll(back);
    lane.batch = [];
    lane.outstanding = 0;
    if (backoff > 0) {
      lane.state = 'waiting';
      lane.visibleAt = now + backoff;
      this.timeline.add(lane);
    } else {
      this.enqueueLane(lane);
    }
  }

  private park(entry: Entry, backoff: number, now: number): void {
    if (backoff <= 0) {
      entry.state = 'ready';
      this.queue.push(entry);
      this.hooks.wake();
      return;
    }
    entry.state = 'waiting';
    entry.visibleAt = now + backoff;
    this.timeline.add(entry);
  }

  private unlease(entry: Entry): void {
    if (entry.ackId !== undefined) this.leases.delete(entry.ackId);
    entry.ackId = undefined;
    this.timeline.remove(entry);
    const holder = entry.holder;
    entry.holder = undefined;
    holder?.release(entry);
  }

  private finish(entry: Entry): void {
    entry.state = 'done';
    this.held--;
  }

  private expired(entry: Entry, now: number): boolean {
    if (now - entry.message.publishedAt < this.hooks.policy().retentionMs) return false;
    this.finish(entry);
    return true;
  }

  private enqueueLane(lane: KeyLane): void {
    if (lane.pending.length === 0) {
      this.dropLane(lane);
      return;
    }
    lane.state = 'queued';
    this.queue.push(lane);
    this.hooks.wake();
  }

  private dropLane(lane: KeyLane): void {
    lane.state = 'idle';
    if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key);
  }
}

interface Budget {
  bytes: number;
  readonly now: number;
  readonly holder: Holder;
  readonly deadlineMs: number;
}
