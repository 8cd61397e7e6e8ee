/**
 * A local stand-in for Google Cloud Firestore (native mode) speaking its gRPC API, built from the
 * protos that ship with @google-cloud/firestore, so the official client runs unchanged with
 * FIRESTORE_EMULATOR_HOST=host:port (or `host` and `ssl: false`), which makes it use plain-text
 * gRPC and send `Bearer owner`, which the stand-in accepts as any credential.
 *
 * What lives here: `index.ts` starts it; `service.ts` maps the gRPC methods to the handlers in
 * `read-handlers.ts`, `listings.ts` and `write-handlers.ts`; `reads.ts` resolves how a read sees
 * the database; `transactions.ts` and `locks.ts` isolate transactions; `writes.ts` applies writes
 * atomically with `transforms.ts` and `size.ts`; `query.ts`, `filters.ts` and `query-run.ts` plan
 * and run queries, `aggregate.ts` aggregates them; `store.ts` keeps versioned documents;
 * `values.ts`, `order.ts`, `fields.ts`, `names.ts`, `documents.ts`, `clock.ts`, `errors.ts` and
 * `wire.ts` are the data model and its wire form. State is kept in memory only. See README.md.
 */

import type { FaultController } from '../faults.js';
import { type RunningGrpcService, startGrpcService } from '../grpc-service.js';
import type { StandInOptions } from '../http-service.js';
import { CommitClock } from './clock.js';
import type { Engine } from './reads.js';
import { firestoreServiceSpec } from './service.js';
import { Store } from './store.js';
import { Transactions } from './transactions.js';

export interface FirestoreOptions extends StandInOptions {
  /** How long past versions stay readable (read_time, read-only transactions); default 5 min. */
  readonly versionRetentionMs?: number;
  /** A transaction unused this long expires and releases its locks; default 60 s, as the service. */
  readonly transactionIdleMs?: number;
  /** A transaction older than this expires; default 270 s, as the service. */
  readonly transactionLifetimeMs?: number;
}

export interface FirestoreStats {
  /** Transactions begun and not yet committed, rolled back or expired. */
  readonly openTransactions: number;
  /** Documents locked by read-write transactions. */
  readonly lockedDocuments: number;
}

export interface RunningFirestore extends RunningGrpcService {
  stats(): FirestoreStats;
}

export async function startFirestore(
  faults: FaultController,
  options: FirestoreOptions = {},
): Promise<RunningFirestore> {
  const retentionMs = options.versionRetentionMs ?? 5 * 60_000;
  const clock = new CommitClock();
  const store = new Store(() => clock.latest() - retentionMs * 1000);
  const transactions = new Transactions(clock, {
    idleMs: options.transactionIdleMs ?? 60_000,
    lifetimeMs: options.transactionLifetimeMs ?? 270_000,
  });
  const engine: Engine = { store, clock, transactions };
  const grpc = await startGrpcService(firestoreServiceSpec(engine), faults, options);
  const sweeper = setInterval(() => store.sweep(), Math.max(1000, retentionMs)).unref();
  let closing: Promise<void> | undefined;
  return {
    host: grpc.host,
    port: grpc.port,
    url: grpc.url,
    stats: () => ({ openTransactions: transactions.size, lockedDocuments: transactions.locks.size }),
    close: () => {
      closing ??= grpc.close().then(() => {
        clearInterval(sweeper);
        transactions.close();
      });
      return closing;
    },
  };
}
