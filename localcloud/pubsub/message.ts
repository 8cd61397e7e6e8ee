/**
 * What the stand-in holds per message. A published message is stored once, with its wire form
 * built once, and shared by every subscription of its topic; each subscription keeps only a small
 * entry per message with its own delivery state. Messages with an ordering key on an ordered
 * subscription wait in that key's lane, which hands them out one batch at a time.
 */
import { Deque } from '../../core/deque.js';
import type { Scheduled } from '../structures/schedule.js';
import type { Labels, PubsubMessage } from './wire.js';

export interface StoredMessage {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Labels;
  readonly orderingKey: string;
  /** Epoch ms. */
  readonly publishedAt: number;
  /** Bytes counted by flow control: data, attribute keys and values, and the ordering key. */
  readonly size: number;
  readonly wire: PubsubMessage;
}

/** Whoever holds a delivered message (a stream, a Pull, a push); told when it is no longer held. */
export interface Holder {
  release(entry: Entry): void;
}

/**
 * - ready: waiting in the subscription's queue or in its key's lane
 * - waiting: in the schedule until a retry backoff or a duplicate's delay ends
 * - out: delivered, in the schedule until its ack deadline
 * - done: acknowledged, dead-lettered or expired
 */
export type EntryState = 'ready' | 'waiting' | 'out' | 'done';

export class Entry implements Scheduled {
  state: EntryState = 'ready';
  /** When the entry is next due in the schedule (deadline or end of backoff), epoch ms. */
  visibleAt = 0;
  heapIndex = -1;
  /** Deliveries so far, the delivery attempt of the latest one. */
  attempts = 0;
  ackId: string | undefined;
  holder: Holder | undefined;

  constructor(
    readonly message: StoredMessage,
    /** Arrival order within the subscription. */
    readonly seq: number,
    readonly lane: KeyLane | undefined,
    /** A copy made by the duplicate fault, which is not copied again. */
    readonly copy: boolean,
  ) {}
}

/**
 * - idle: nothing to deliver (the lane is dropped)
 * - queued: in the subscription's queue, its first messages deliverable
 * - busy: a batch is out; nothing more until all of it is acknowledged
 * - waiting: a batch failed; in the schedule until the retry backoff ends
 */
export type LaneState = 'idle' | 'queued' | 'busy' | 'waiting';

export class KeyLane implements Scheduled {
  state: LaneState = 'idle';
  visibleAt = 0;
  heapIndex = -1;
  readonly pending = new Deque<Entry>();
  /** The batch out now, in order; entries leave it only when the whole batch settles. */
  batch: Entry[] = [];
  /** Entries of the batch not yet acknowledged. */
  outstanding = 0;

  constructor(readonly key: string) {}
}
