/**
 * Receives that wait for messages (long polling). Each waits until a message is there for it, its
 * wait time ends, its client goes away, or the service closes; waiters are served in arrival order.
 */

export interface Waiter {
  /** Tries to serve the waiting receive now; true when it answered with messages. */
  attempt(): boolean;
  /** Answers the receive with no messages: its wait is over. */
  expire(): void;
}

interface Entry {
  readonly waiter: Waiter;
  readonly timer: NodeJS.Timeout;
}

export class WaitList {
  private readonly entries = new Set<Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds a waiter; the returned function withdraws it without answering (its client is gone). */
  add(waiter: Waiter, waitMs: number): () => void {
    const entry: Entry = {
      waiter,
      timer: setTimeout(() => {
        if (this.entries.delete(entry)) waiter.expire();
      }, waitMs),
    };
    this.entries.add(entry);
    return () => this.withdraw(entry);
  }

  /** Lets waiters take messages, oldest first, while `available` says there are any. */
  wake(available: () => boolean): void {
    for (const entry of this.entries) {
      if (!available()) return;
      if (entry.waiter.attempt()) this.withdraw(entry);
    }
  }

  /** Ends every wait with an empty answer. */
  expireAll(): void {
    for (const entry of [...this.entries]) {
      this.withdraw(entry);
      entry.waiter.expire();
    }
  }

  private withdraw(entry: Entry): void {
    clearTimeout(entry.timer);
    this.entries.delete(entry);
  }
}
