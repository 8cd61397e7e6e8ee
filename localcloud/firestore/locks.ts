/**
 * Per-document locks for read-write transactions, granted with wound-wait: a transaction that
 * asks for a lock an older one holds waits its turn (oldest waiter first); one that asks for a lock
 * a younger one holds wounds it — the younger is aborted, its locks released — and takes the lock.
 * An older transaction therefore never waits for a younger one, so waits cannot form a cycle, and
 * the oldest transaction always makes progress (a retried transaction keeps its original age).
 */

export interface LockOwner {
  /** Smaller is older; older transactions win conflicts. */
  readonly priority: bigint;
  /** Keys this owner holds, maintained by the table. */
  readonly locks: Set<string>;
  /** Called when an older owner needs a lock this one holds; must end in `abandon(this)`. */
  wound(): void;
}

interface Waiter {
  readonly owner: LockOwner;
  readonly key: string;
  readonly grant: () => void;
  readonly refuse: (err: Error) => void;
}

interface Lock {
  holder: LockOwner;
  /** Oldest first. */
  readonly waiters: Waiter[];
}

export class LockTable {
  private readonly locks = new Map<string, Lock>();
  private readonly waiting = new Map<LockOwner, Set<Waiter>>();

  /** Resolves once `owner` holds `key`; returns undefined when it holds it already or at once. */
  acquire(owner: LockOwner, key: string): Promise<void> | undefined {
    const lock = this.locks.get(key);
    if (lock === undefined) {
      this.locks.set(key, { holder: owner, waiters: [] });
      owner.locks.add(key);
      return undefined;
    }
    if (lock.holder === owner) return undefined;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { owner, key, grant: resolve, refuse: reject };
      const at = lock.waiters.findIndex((w) => w.owner.priority > owner.priority);
      lock.waiters.splice(at < 0 ? lock.waiters.length : at, 0, waiter);
      let mine = this.waiting.get(owner);
      if (mine === undefined) {
        mine = new Set();
        this.waiting.set(owner, mine);
      }
      mine.add(waiter);
      if (owner.priority < lock.holder.priority) lock.holder.wound();
    });
  }

  /** Releases everything `owner` holds and refuses its pending waits with `reason`. */
  abandon(owner: LockOwner, reason: Error): void {
    const mine = this.waiting.get(owner);
    this.waiting.delete(owner);
    for (const w of mine ?? []) {
      const lock = this.locks.get(w.key);
      if (lock !== undefined) lock.waiters.splice(lock.waiters.indexOf(w), 1);
      w.refuse(reason);
    }
    this.release(owner);
  }

  /** Hands each lock `owner` holds to its oldest waiter. */
  release(owner: LockOwner): void {
    for (const key of owner.locks) {
      const lock = this.locks.get(key);
      if (lock === undefined || lock.holder !== owner) continue;
      const next = lock.waiters.shift();
      if (next === undefined) {
        this.locks.delete(key);
        continue;
      }
      lock.holder = next.owner;
      next.owner.locks.add(key);
      const pending = this.waiting.get(next.owner);
      pending?.delete(next);
      if (pending?.size === 0) this.waiting.delete(next.owner);
      next.grant();
    }
    owner.locks.clear();
  }

  /** Locks held, for tests and status pages. */
  get size(): number {
    return this.locks.size;
  }
}
