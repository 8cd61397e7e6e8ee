/**
 * A schedule with one timer set for its earliest entry, calling back for each entry whose time has
 * come: an SQS queue's reappearing messages, a Pub/Sub subscription's deadlines and backoffs. Every
 * operation that needs the present also catches up itself, so a late timer changes nothing.
 */
import { Schedule, type Scheduled } from './schedule.js';

// setTimeout fires at once for anything longer than a signed 32-bit count of milliseconds.
const MAX_TIMER_MS = 2_147_483_647;

export class Timeline<T extends Scheduled> {
  private readonly heap = new Schedule<T>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly clock: () => number,
    /** Called for each item whose time has come, earliest first, after it left the heap. */
    private readonly onDue: (item: T, now: number) => void,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  /** Every item held, in no particular order. */
  values(): readonly T[] {
    return this.heap.values();
  }

  add(item: T): void {
    this.heap.add(item);
    this.arm();
  }

  /** Moves an item after its time changed. */
  update(item: T): void {
    this.heap.update(item);
    this.arm();
  }

  remove(item: T): void {
    this.heap.remove(item);
  }

  catchUp(now: number): void {
    for (let top = this.heap.peek(); top !== undefined && top.visibleAt <= now; top = this.heap.peek()) {
      this.heap.pop();
      this.onDue(top, now);
    }
  }

  /** Forgets every item; the timer, if set, later finds nothing due. */
  clear(): void {
    this.heap.clear();
  }

  /** Stops the timer for good; the items stay, for snapshots. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    this.clear();
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined || this.stopped || top.visibleAt >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = top.visibleAt;
    const delay = Math.min(Math.max(0, top.visibleAt - this.clock()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.catchUp(this.clock());
    this.arm();
  }
}
