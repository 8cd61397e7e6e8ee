/**
 * Firestore transactions and batches through the official client: contending read-modify-write
 * transactions all land, crossing lock orders never deadlock, a transaction whose reads changed
 * is retried, batches are all or nothing, BulkWriter writes each document on its own.
 */
import { type DocumentReference, FieldValue, type Firestore } from '@google-cloud/firestore';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { external, type FirestoreTarget, firestoreTarget, rejectionOf } from './firestore-target.js';

let target: FirestoreTarget;
let db: Firestore;
let other: Firestore;
let collection: string;
let n = 0;
const fresh = (): DocumentReference => db.collection(collection).doc(`t${++n}`);

beforeAll(async () => {
  target = await firestoreTarget();
  db = target.client();
  // A second client, as a second process would be.
  other = target.client();
  collection = target.collection('transactions');
});
afterAll(() => target?.stop());

function increment(client: Firestore, ref: DocumentReference): Promise<void> {
  return client.runTransaction(async (t) => {
    const snap = await t.get(ref);
    t.update(ref, { n: (snap.get('n') as number) + 1 });
  });
}

describe('Firestore transactions', () => {
  it('lands all of 20 concurrent read-modify-write transactions on one document', async () => {
    const ref = fresh();
    await ref.set({ n: 0 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? db : other, ref)));

    expect((await ref.get()).get('n')).toBe(20);
    expect(Date.now() - started).toBeLessThan(5000);
    if (target.local) expect(target.running!.stats()).toEqual({ openTransactions: 0, lockedDocuments: 0 });
  });

  it('never deadlocks transactions that read two documents in opposite orders', async () => {
    const [a, b] = [fresh(), fresh()];
    await Promise.all([a.set({ n: 0 }), b.set({ n: 0 })]);
    const transfer = (first: DocumentReference, second: DocumentReference) =>
      db.runTransaction(async (t) => {
        const one = await t.get(first);
        const two = await t.get(second);
        t.update(first, { n: (one.get('n') as number) + 1 });
        t.update(second, { n: (two.get('n') as number) + 1 });
      });
    const runs = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? transfer(a, b) : transfer(b, a)));
    await Promise.all(runs);

    expect((await a.get()).get('n')).toBe(8);
    expect((await b.get()).get('n')).toBe(8);
  });

  it('creates a missing document once when contenders race to create or increment it', async () => {
    const ref = fresh();
    const upsert = () =>
      db.runTransaction(async (t) => {
        const snap = await t.get(ref);
        if (snap.exists) t.update(ref, { n: (snap.get('n') as number) + 1 });
        else t.create(ref, { n: 1 });
      });
    await Promise.all(Array.from({ length: 10 }, upsert));

    expect((await ref.get()).get('n')).toBe(10);
  });

  it('rolls back when the callback throws, writing nothing and releasing the document', async () => {
    const ref = fresh();
    await ref.set({ n: 1 });
    const failed = await rejectionOf(
      db.runTransaction(async (t) => {
        await t.get(ref);
        t.update(ref, { n: 100 });
        throw new Error('changed my mind');
      }),
    );
    await increment(other, ref);

    expect(failed.message).toBe('changed my mind');
    expect((await ref.get()).get('n')).toBe(2);
  });

  // Writes outside transactions take no locks in the stand-in (see README); against the service
  // the write below would wait for the transaction instead.
  it.skipIf(external)('retries a transaction whose read document changed before it committed', async () => {
    const ref = fresh();
    await ref.set({ n: 1 });
    const faults = target.faults!;
    const commitsBefore = faults.total('firestore', 'Commit');
    let attempts = 0;
    await db.runTransaction(async (t) => {
      attempts++;
      const snap = await t.get(ref);
      if (attempts === 1) await other.doc(ref.path).set({ n: 100 });
      t.update(ref, { n: (snap.get('n') as number) + 1 });
    });

    expect(attempts).toBe(2);
    expect((await ref.get()).get('n')).toBe(101);
    // The interfering set, the aborted commit and the retried one.
    expect(faults.total('firestore', 'Commit') - commitsBefore).toBe(3);
  });

  it.skipIf(external)('retries a transaction whose query gained a document before it committed', async () => {
    const queue = db.collection(target.collection('queue'));
    let attempts = 0;
    const seen = await db.runTransaction(async (t) => {
      attempts++;
      const pending = await t.get(queue.where('state', '==', 'pending'));
      if (attempts === 1) await other.collection(queue.id).doc('late').set({ state: 'pending' });
      t.set(queue.doc('summary'), { pending: pending.size });
      return pending.size;
    });

    expect(attempts).toBe(2);
    expect(seen).toBe(1);
  });
});

describe('Firestore batches', () => {
  it('writes nothing from a batch when one precondition fails', async () => {
    const [a, b, missing] = [fresh(), fresh(), fresh()];
    await b.set({ v: 'before' });
    const batch = db.batch().set(a, { v: 1 }).update(b, { v: 'after' }).update(missing, { v: 2 });
    const refused = await rejectionOf(batch.commit());

    expect(refused.code).toBe(status.NOT_FOUND);
    expect((await a.get()).exists).toBe(false);
    expect((await b.get()).get('v')).toBe('before');
  });

  it('writes 1,000 documents with BulkWriter', async () => {
    const bulk = db.collection(target.collection('bulk'));
    const calls = target.faults?.total('firestore', 'BatchWrite') ?? 0;
    const writer = db.bulkWriter();
    for (let i = 0; i < 1000; i++)
      void writer.set(bulk.doc(`doc-${i}`), { i, tick: FieldValue.increment(1) });
    await writer.close();

    expect((await bulk.count().get()).data().count).toBe(1000);
    expect((await bulk.doc('doc-999').get()).data()).toEqual({ i: 999, tick: 1 });
    if (target.local)
      expect(target.faults!.total('firestore', 'BatchWrite') - calls).toBeGreaterThanOrEqual(50);
  });

  it('reports each BulkWriter write on its own, failures beside successes', async () => {
    const [existing, newcomer] = [fresh(), fresh()];
    await existing.set({ v: 0 });
    const writer = db.bulkWriter();
    writer.onWriteError(() => false);
    const clash = rejectionOf(writer.create(existing, { v: 1 }));
    const created = writer.create(newcomer, { v: 1 });
    await writer.close();

    expect((await clash).code).toBe(status.ALREADY_EXISTS);
    expect((await created).writeTime).toBeDefined();
    expect((await newcomer.get()).get('v')).toBe(1);
  });
});
