/**
 * The Firestore stand-in's own behaviour, which only it can show: the fault layer (injected
 * errors the client retries, down and up), request counts, and its isolation machinery seen
 * through the raw gRPC client — a read waiting for an older transaction's lock, an older
 * transaction wounding a younger one, expiry releasing locks, read-only transactions refusing
 * writes. Skipped with CONFORMANCE_TARGET=external.
 */
import { type Firestore, v1 } from '@google-cloud/firestore';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningFirestore, startFirestore } from '../../localcloud/firestore/index.js';
import { external, type FirestoreTarget, firestoreTarget, rejectionOf } from './firestore-target.js';

type Gapic = InstanceType<typeof v1.FirestoreClient>;

const PROJECT = 'local-project';
const DATABASE = `projects/${PROJECT}/databases/(default)`;
const name = (path: string) => `${DATABASE}/documents/${path}`;
/** A single attempt, so that a test sees the error the client would otherwise retry. */
const ONCE = { retry: { retryCodes: [] } };

function gapicClient(endpoint: string): Gapic {
  const at = endpoint.lastIndexOf(':');
  return new v1.FirestoreClient({
    servicePath: endpoint.slice(0, at),
    port: Number(endpoint.slice(at + 1)),
    sslCreds: credentials.createInsecure(),
    projectId: PROJECT,
  });
}

async function begin(gapic: Gapic): Promise<Uint8Array> {
  const [response] = await gapic.beginTransaction({ database: DATABASE });
  return response.transaction as Uint8Array;
}

/** Reads one document in a transaction; resolves with its `n` field (undefined when missing). */
async function read(gapic: Gapic, path: string, transaction: Uint8Array): Promise<string | undefined> {
  const stream = gapic.batchGetDocuments({ database: DATABASE, documents: [name(path)], transaction });
  for await (const response of stream) {
    if (response.found) return String(response.found.fields?.n?.integerValue);
    if (response.missing) return undefined;
  }
  throw new Error('no response');
}

function setN(gapic: Gapic, path: string, n: number, transaction?: Uint8Array) {
  const writes = [{ update: { name: name(path), fields: { n: { integerValue: n } } } }];
  return gapic.commit({ database: DATABASE, writes, transaction }, ONCE);
}

describe.skipIf(external)('Firestore stand-in faults and counts', () => {
  let target: FirestoreTarget;
  let db: Firestore;
  let faults: FaultController;
  beforeAll(async () => {
    target = await firestoreTarget();
    db = target.client();
    faults = target.faults!;
  });
  afterEach(() => faults.reset('firestore'));
  afterAll(() => target?.stop());

  it('answers injected UNAVAILABLE, which the client retries until the write lands', async () => {
    const ref = db.doc(`${target.collection('faults')}/retried`);
    const before = faults.total('firestore', 'Commit');
    faults.set('firestore', { failureRate: 1, failureKind: 'server' });
    // Heal once two attempts have failed, however long the client takes to make them.
    const healer = setInterval(() => {
      if (faults.total('firestore', 'Commit') - before >= 2) faults.reset('firestore');
    }, 5);
    await ref.set({ v: 1 }).finally(() => clearInterval(healer));

    expect(faults.total('firestore', 'Commit') - before).toBeGreaterThan(1);
    expect((await ref.get()).get('v')).toBe(1);
  });

  it('answers RESOURCE_EXHAUSTED when throttling and UNAVAILABLE for server errors', async () => {
    const gapic = gapicClient(target.endpoint);
    faults.set('firestore', { failureRate: 1, failureKind: 'throttle' });
    const throttled = await rejectionOf(setN(gapic, 'faults/codes', 1));
    faults.set('firestore', { failureKind: 'server' });
    const failed = await rejectionOf(setN(gapic, 'faults/codes', 1));
    await gapic.close();

    expect(throttled.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(failed.code).toBe(status.UNAVAILABLE);
    expect(String(failed.message)).toContain('fault injected');
  });

  it('serves again on the same port after being down', async () => {
    const ref = db.doc(`${target.collection('faults')}/down`);
    await ref.set({ v: 1 });
    faults.set('firestore', { down: true });
    // Calls already on the wire when the server goes are cut (CANCELLED, which a commit does not
    // retry); a call made while it is away finds the port closed (UNAVAILABLE, retried).
    await new Promise((r) => setTimeout(r, 50));
    setTimeout(() => faults.set('firestore', { down: false }), 200);
    await ref.set({ v: 2 });

    expect((await ref.get()).get('v')).toBe(2);
  });

  it('counts requests by method', async () => {
    faults.resetCounts();
    const ref = db.doc(`${target.collection('faults')}/counted`);
    await ref.set({ v: 1 });
    await ref.get();
    await db.collection(target.collection('faults')).limit(1).get();
    await db.runTransaction(async (t) => t.set(ref, { v: (await t.get(ref)).get('v') + 1 }));

    expect(faults.counts().firestore).toEqual({ Commit: 2, BatchGetDocuments: 2, RunQuery: 1 });
  });
});

describe.skipIf(external)('Firestore stand-in isolation', () => {
  /** Long enough that a busy machine running suites in parallel does not expire the live ones. */
  const IDLE_MS = 1000;
  let faults: FaultController;
  let running: RunningFirestore;
  let gapic: Gapic;
  beforeAll(async () => {
    faults = new FaultController();
    running = await startFirestore(faults, { port: 0, transactionIdleMs: IDLE_MS });
    gapic = gapicClient(running.url);
  });
  afterAll(async () => {
    await gapic?.close();
    await running?.close();
  });

  it('makes a younger transaction wait for the lock an older one holds, then read its write', async () => {
    await setN(gapic, 'iso/queued', 1);
    const [older, younger] = [await begin(gapic), await begin(gapic)];
    expect(await read(gapic, 'iso/queued', older)).toBe('1');
    let waited: string | undefined = 'pending';
    const second = read(gapic, 'iso/queued', younger).then((n) => {
      waited = n;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(waited).toBe('pending');

    await setN(gapic, 'iso/queued', 2, older);
    await second;
    expect(waited).toBe('2');
    await setN(gapic, 'iso/queued', 3, younger);
  });

  it('lets an older transaction wound a younger lock holder, whose commit is then ABORTED', async () => {
    await setN(gapic, 'iso/wound', 1);
    const [older, younger] = [await begin(gapic), await begin(gapic)];
    expect(await read(gapic, 'iso/wound', younger)).toBe('1');
    expect(await read(gapic, 'iso/wound', older)).toBe('1');
    const refused = await rejectionOf(setN(gapic, 'iso/wound', 5, younger));
    await setN(gapic, 'iso/wound', 2, older);

    expect(refused.code).toBe(status.ABORTED);
    expect(running.stats()).toEqual({ openTransactions: 0, lockedDocuments: 0 });
  });

  it('expires an idle transaction, releasing its locks, and refuses its commit as expired', async () => {
    await setN(gapic, 'iso/idle', 1);
    const idle = await begin(gapic);
    await read(gapic, 'iso/idle', idle);
    const idleSince = Date.now();
    const next = await begin(gapic);
    expect(await read(gapic, 'iso/idle', next)).toBe('1');
    const waited = Date.now() - idleSince;
    await setN(gapic, 'iso/idle', 2, next);
    const expired = await rejectionOf(setN(gapic, 'iso/idle', 9, idle));

    // The idle limit counts from the transaction's last request.
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(expired.code).toBe(status.INVALID_ARGUMENT);
    expect(String(expired.message)).toContain('transaction has expired');
  });

  it('pages ListDocuments and ListCollectionIds, and deletes with a precondition', async () => {
    for (const id of ['a', 'b', 'c']) await setN(gapic, `paged/${id}`, 1);
    await setN(gapic, 'paged/b/sub1/x', 1);
    await setN(gapic, 'paged/b/sub2/y', 1);
    const parent = `${DATABASE}/documents`;
    const options = { autoPaginate: false };
    const [first, , page1] = await gapic.listDocuments(
      { parent, collectionId: 'paged', pageSize: 2 },
      options,
    );
    const [second] = await gapic.listDocuments(
      { parent, collectionId: 'paged', pageSize: 2, pageToken: page1?.nextPageToken ?? '' },
      options,
    );
    const [ids] = await gapic.listCollectionIds({ parent: name('paged/b'), pageSize: 1 }, options);
    const stale = await rejectionOf(
      gapic.deleteDocument({ name: name('paged/a'), currentDocument: { updateTime: { seconds: 1 } } }, ONCE),
    );
    await gapic.deleteDocument({ name: name('paged/a'), currentDocument: { exists: true } });

    expect(first.map((d) => d.name)).toEqual([name('paged/a'), name('paged/b')]);
    expect(second.map((d) => d.name)).toEqual([name('paged/c')]);
    expect(ids).toEqual(['sub1']);
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    expect((await gapic.listDocuments({ parent, collectionId: 'paged' }))[0].map((d) => d.name)).toEqual([
      name('paged/b'),
      name('paged/c'),
    ]);
  });

  it('refuses writes in a read-only transaction', async () => {
    const [response] = await gapic.beginTransaction({ database: DATABASE, options: { readOnly: {} } });
    const refused = await rejectionOf(setN(gapic, 'iso/read-only', 1, response.transaction as Uint8Array));

    expect(refused.code).toBe(status.INVALID_ARGUMENT);
  });
});
