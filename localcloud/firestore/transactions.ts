/**
 * Transactions and their isolation.
 *
 * Read-write transactions are pessimistic among themselves, as the service's server clients see
 * it: every document a transaction reads (directly or as a query result) is locked until it
 * commits or rolls back (wound-wait, see locks.ts), so contending read-modify-write transactions
 * queue instead of failing. They are also checked optimistically at commit: writes outside
 * transactions (plain commits, batches, BulkWriter) take no locks, so a transaction whose read
 * document has since changed, appeared or vanished — or whose query would now return a different
 * result set — is answered ABORTED, which the client retries. Read-only transactions read a fixed
 * snapshot and take no locks.
 *
 * A transaction id carries the transaction's age, so a retry (`retry_transaction`) keeps its
 * place against younger contenders. Idle transactions expire and release their locks.
 */
import { randomBytes } from 'node:crypto';
import { type CommitClock, type Micros, microsOf } from './clock.js';
import { aborted, invalidArgument, transactionExpired } from './errors.js';
import { type LockOwner, LockTable } from './locks.js';
import type { QueryPlan } from './query.js';
import { runPlan } from './query-run.js';
import type { Database, StoredDocument } from './store.js';
import type { TransactionOptions } from './wire.js';

export interface TransactionSettings {
  /** A transaction unused for this long expires (the service: 60 s). */
  readonly idleMs: number;
  /** A transaction older than this expires (the service: 270 s). */
  readonly lifetimeMs: number;
}

export const READ_CHANGED = 'the transaction was aborted because a read document changed';

export class Transaction implements LockOwner {
  readonly locks = new Set<string>();
  /** Update time (0 when absent) of each document path as first read. */
  readonly reads = new Map<string, Micros>();
  readonly queries: { readonly plan: QueryPlan; readonly signature: string }[] = [];
  abortedBecause: string | undefined;
  /** Requests of this transaction in progress; a transaction waiting for a lock is not idle. */
  busy = 0;
  lastUsed = Date.now();
  readonly createdAt = Date.now();
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: Buffer,
    readonly database: string,
    readonly priority: bigint,
    /** The snapshot a read-only transaction reads; undefined for read-write. */
    readonly readOnlyAt: Micros | undefined,
    private readonly onWound: (t: Transaction) => void,
  ) {}

  wound(): void {
    this.onWound(this);
  }
}

export class Transactions {
  readonly locks = new LockTable();
  private readonly open = new Map<string, Transaction>();
  private sequence = 0n;

  constructor(
    private readonly clock: CommitClock,
    private readonly settings: TransactionSettings,
  ) {}

  begin(db: Database, options: TransactionOptions | undefined): Transaction {
    const readOnly = options?.mode === 'readOnly';
    let readOnlyAt: Micros | undefined;
    if (readOnly) {
      const at = options?.readOnly?.readTime;
      readOnlyAt = at === undefined ? this.clock.readTime() : microsOf(at, 'read_time');
      db.checkReadable(readOnlyAt);
    }
    const priority = ageOf(options?.readWrite?.retryTransaction) ?? ++this.sequence;
    const id = Buffer.concat([Buffer.alloc(8), randomBytes(8)]);
    id.writeBigUInt64BE(priority);
    const tx = new Transaction(id, db.name, priority, readOnlyAt, (t) =>
      this.abort(t, 'the transaction was aborted because an older transaction needed a document it had read'),
    );
    tx.timer = setTimeout(() => this.idle(tx), this.settings.idleMs).unref();
    this.open.set(id.toString('hex'), tx);
    return tx;
  }

  /** The open transaction an id names; refuses expired, unknown and aborted ones. */
  get(id: Uint8Array, database: string): Transaction {
    const tx = this.open.get(Buffer.from(id).toString('hex'));
    if (tx === undefined) throw transactionExpired();
    if (tx.database !== database)
      throw invalidArgument(`the transaction belongs to ${tx.database}, not ${database}`);
    if (Date.now() - tx.createdAt > this.settings.lifetimeMs) {
      this.expire(tx);
      throw transactionExpired();
    }
    this.touch(tx);
    if (tx.abortedBecause !== undefined) throw aborted(tx.abortedBecause);
    return tx;
  }

  /** The transaction a commit ends; one that cannot commit is ended as its error is thrown. */
  take(id: Uint8Array, database: string): Transaction {
    try {
      return this.get(id, database);
    } catch (err) {
      const tx = this.open.get(Buffer.from(id).toString('hex'));
      if (tx !== undefined) this.finish(tx);
      throw err;
    }
  }

  /** Rollback: ends a transaction, whatever its state. */
  end(id: Uint8Array, database: string): void {
    const tx = this.open.get(Buffer.from(id).toString('hex'));
    if (tx === undefined) throw transactionExpired();
    if (tx.database !== database)
      throw invalidArgument(`the transaction belongs to ${tx.database}, not ${database}`);
    this.finish(tx);
  }

  /** Runs one request of the transaction, which keeps it from expiring as idle meanwhile. */
  async during<T>(tx: Transaction, work: () => Promise<T>): Promise<T> {
    tx.busy++;
    try {
      return await work();
    } finally {
      tx.busy--;
      this.touch(tx);
    }
  }

  /** Locks the named documents for a read-write transaction, waiting for older holders. */
  async lock(tx: Transaction, names: readonly string[]): Promise<void> {
    for (const name of [...new Set(names)].sort()) {
      if (tx.abortedBecause !== undefined) throw aborted(tx.abortedBecause);
      const wait = this.locks.acquire(tx, name);
      if (wait !== undefined) await wait;
    }
    if (tx.abortedBecause !== undefined) throw aborted(tx.abortedBecause);
  }

  recordRead(tx: Transaction, path: string, doc: StoredDocument | undefined): void {
    if (!tx.reads.has(path)) tx.reads.set(path, doc?.updateTime ?? 0);
  }

  recordQuery(tx: Transaction, plan: QueryPlan, docs: readonly StoredDocument[]): void {
    tx.queries.push({ plan, signature: signature(docs) });
  }

  /** Throws ABORTED when anything the transaction read has changed since. */
  validate(tx: Transaction, db: Database): void {
    for (const [path, version] of tx.reads) {
      if ((db.get(path)?.updateTime ?? 0) !== version) throw aborted(`${READ_CHANGED} (${path})`);
    }
    for (const q of tx.queries) {
      if (signature(runPlan(db, q.plan, undefined)) !== q.signature) {
        throw aborted(`${READ_CHANGED} (the result of a query on ${q.plan.collection} changed)`);
      }
    }
  }

  abort(tx: Transaction, reason: string): void {
    if (tx.abortedBecause !== undefined) return;
    tx.abortedBecause = reason;
    this.locks.abandon(tx, aborted(reason));
  }

  /** Ends a transaction (committed, rolled back or failed), releasing its locks. */
  finish(tx: Transaction): void {
    clearTimeout(tx.timer);
    this.open.delete(tx.id.toString('hex'));
    this.locks.abandon(tx, aborted('the transaction has ended'));
  }

  close(): void {
    for (const tx of [...this.open.values()]) this.finish(tx);
  }

  /** Open transactions, for tests and status pages. */
  get size(): number {
    return this.open.size;
  }

  private touch(tx: Transaction): void {
    tx.lastUsed = Date.now();
  }

  /** The idle timer fired: expire the transaction, or wait out the rest of its idle time. */
  private idle(tx: Transaction): void {
    const remaining = this.settings.idleMs - (Date.now() - tx.lastUsed);
    if (tx.busy === 0 && remaining <= 0) {
      this.expire(tx);
      return;
    }
    const wait = tx.busy > 0 ? this.settings.idleMs : remaining;
    tx.timer = setTimeout(() => this.idle(tx), wait).unref();
  }

  private expire(tx: Transaction): void {
    this.abort(tx, 'the transaction expired');
    this.finish(tx);
  }
}

/** The age encoded in a previous attempt's id, so that its retry keeps its place. */
function ageOf(id: Uint8Array | undefined): bigint | undefined {
  if (id === undefined || id.length !== 16) return undefined;
  return Buffer.from(id).readBigUInt64BE(0);
}

function signature(docs: readonly StoredDocument[]): string {
  return docs.map((d) => `${d.path}@${d.updateTime}`).join('\n');
}
