/**
 * How one read request sees the database, from its consistency selector: the latest state (no
 * selector), a past snapshot (`read_time`, or a read-only transaction's), or — in a read-write
 * transaction — the latest state under the transaction's locks, recorded so that the commit can be
 * checked against it. `new_transaction` begins the transaction with the read and reports its id in
 * the first response; if the read fails the transaction is dropped, since the client never
 * learned its id.
 */
import type { EventEmitter } from 'node:events';
import { type CommitClock, type Micros, microsOf } from './clock.js';
import { invalidArgument } from './errors.js';
import { documentName } from './names.js';
import type { QueryPlan } from './query.js';
import { runPlan } from './query-run.js';
import type { Database, Store, StoredDocument } from './store.js';
import type { Transaction, Transactions } from './transactions.js';
import type { ReadConsistency } from './wire.js';

export interface Engine {
  readonly store: Store;
  readonly clock: CommitClock;
  readonly transactions: Transactions;
}

export interface ReadScope {
  readonly db: Database;
  readonly tx: Transaction | undefined;
  /** The id of a transaction this read began, to report in its first response. */
  readonly began: Buffer | undefined;
  /** A fixed snapshot; undefined reads the latest state. */
  readonly at: Micros | undefined;
}

export interface ReadResult<T> {
  readonly result: T;
  readonly readTime: Micros;
}

export function openScope(engine: Engine, database: string, consistency: ReadConsistency): ReadScope {
  const db = engine.store.database(database);
  switch (consistency.consistencySelector) {
    case 'transaction': {
      const tx = engine.transactions.get(consistency.transaction ?? Buffer.alloc(0), database);
      if (tx.readOnlyAt !== undefined) db.checkReadable(tx.readOnlyAt);
      return { db, tx, began: undefined, at: tx.readOnlyAt };
    }
    case 'newTransaction': {
      const tx = engine.transactions.begin(db, consistency.newTransaction);
      return { db, tx, began: tx.id, at: tx.readOnlyAt };
    }
    case 'readTime': {
      const at = microsOf(consistency.readTime, 'read_time');
      if (at > engine.clock.latest()) throw invalidArgument('read_time must not be in the future');
      db.checkReadable(at);
      return { db, tx: undefined, began: undefined, at };
    }
    default:
      return { db, tx: undefined, began: undefined, at: undefined };
  }
}

function lockingTransaction(scope: ReadScope): Transaction | undefined {
  return scope.tx !== undefined && scope.tx.readOnlyAt === undefined ? scope.tx : undefined;
}

export async function readDocuments(
  engine: Engine,
  scope: ReadScope,
  paths: readonly string[],
): Promise<ReadResult<(StoredDocument | undefined)[]>> {
  const tx = lockingTransaction(scope);
  if (tx === undefined) {
    const readTime = scope.at ?? engine.clock.readTime();
    return { result: paths.map((p) => scope.db.get(p, scope.at)), readTime };
  }
  await engine.transactions.lock(
    tx,
    paths.map((p) => documentName(scope.db.name, p)),
  );
  const readTime = engine.clock.readTime();
  const result = paths.map((p) => {
    const doc = scope.db.get(p);
    engine.transactions.recordRead(tx, p, doc);
    return doc;
  });
  return { result, readTime };
}

/** Rounds of locking a query's results before settling for the commit-time check alone. */
const LOCK_ROUNDS = 3;

export async function readQuery(
  engine: Engine,
  scope: ReadScope,
  plan: QueryPlan,
): Promise<ReadResult<StoredDocument[]>> {
  const tx = lockingTransaction(scope);
  if (tx === undefined) {
    const readTime = scope.at ?? engine.clock.readTime();
    return { result: runPlan(scope.db, plan, scope.at), readTime };
  }
  let docs = runPlan(scope.db, plan, undefined);
  for (let round = 0; round < LOCK_ROUNDS; round++) {
    const unlocked = docs.map((d) => d.name).filter((n) => !tx.locks.has(n));
    if (unlocked.length === 0) break;
    await engine.transactions.lock(tx, unlocked);
    docs = runPlan(scope.db, plan, undefined);
  }
  engine.transactions.recordQuery(tx, plan, docs);
  return { result: docs, readTime: engine.clock.readTime() };
}

/**
 * Runs a read in its scope. A transaction the read began is dropped if the read fails; a
 * transaction whose caller goes away while its read waits for a lock is aborted, so that it
 * does not keep others waiting.
 */
export async function inScope<T>(
  engine: Engine,
  scope: ReadScope,
  call: EventEmitter,
  read: () => Promise<T>,
): Promise<T> {
  const tx = scope.tx;
  const onCancel = () => {
    if (tx !== undefined) engine.transactions.abort(tx, 'the read was cancelled by the caller');
  };
  call.on('cancelled', onCancel);
  try {
    return tx === undefined ? await read() : await engine.transactions.during(tx, read);
  } catch (err) {
    if (scope.began !== undefined && tx !== undefined) engine.transactions.finish(tx);
    throw err;
  } finally {
    call.off('cancelled', onCancel);
  }
}
