/**
 * Firestore documents through the official client: every value type round trips (int64 exactly,
 * timestamps at the service's microsecond precision), set / merge / update semantics,
 * preconditions with their codes, server-side transforms, size and batch limits, batched and
 * masked reads, listings, reads at a past time, and separate databases.
 */
import {
  type DocumentReference,
  FieldValue,
  type Firestore,
  GeoPoint,
  Timestamp,
} from '@google-cloud/firestore';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FirestoreTarget, firestoreTarget, rejectionOf } from './firestore-target.js';

let target: FirestoreTarget;
let db: Firestore;
let collection: string;
let n = 0;
const fresh = (): DocumentReference => db.collection(collection).doc(`d${++n}`);

beforeAll(async () => {
  target = await firestoreTarget();
  db = target.client({ useBigInt: true });
  collection = target.collection('documents');
});
afterAll(() => target?.stop());

describe('Firestore documents', () => {
  it('round trips every value type, int64 exactly and timestamps truncated to microseconds', async () => {
    const ref = fresh();
    const other = db.doc(`${collection}/target`);
    await ref.set({
      nothing: null,
      yes: true,
      small: 42n,
      beyondDouble: 9007199254740993n,
      int64Max: 9223372036854775807n,
      int64Min: -9223372036854775808n,
      real: 1.5,
      notANumber: Number.NaN,
      infinite: Number.NEGATIVE_INFINITY,
      when: new Timestamp(1_700_000_000, 123_456_789),
      text: 'héllo 🌍',
      bytes: Buffer.from([0, 1, 254, 255]),
      ref: other,
      place: new GeoPoint(51.5, -0.125),
      list: [1n, 'two', null, { k: 'v' }],
      nested: { deep: { deeper: true }, 'dotted.key': 7n },
    });
    const data = (await ref.get()).data()!;

    expect(data.nothing).toBeNull();
    expect(data.yes).toBe(true);
    expect(data.small).toBe(42n);
    expect(data.beyondDouble).toBe(9007199254740993n);
    expect(data.int64Max).toBe(9223372036854775807n);
    expect(data.int64Min).toBe(-9223372036854775808n);
    expect(data.real).toBe(1.5);
    expect(data.notANumber).toBeNaN();
    expect(data.infinite).toBe(Number.NEGATIVE_INFINITY);
    expect((data.when as Timestamp).isEqual(new Timestamp(1_700_000_000, 123_456_000))).toBe(true);
    expect(data.text).toBe('héllo 🌍');
    expect(Buffer.from(data.bytes as Uint8Array)).toEqual(Buffer.from([0, 1, 254, 255]));
    expect((data.ref as DocumentReference).path).toBe(other.path);
    expect((data.place as GeoPoint).isEqual(new GeoPoint(51.5, -0.125))).toBe(true);
    expect(data.list).toEqual([1n, 'two', null, { k: 'v' }]);
    expect(data.nested).toEqual({ deep: { deeper: true }, 'dotted.key': 7n });
  });

  it('replaces on set, merges on set with merge or mergeFields, and patches paths on update', async () => {
    const ref = fresh();
    await ref.set({ a: 1n, b: { c: 2n, d: 3n } });
    await ref.set({ b: { c: 9n } }, { merge: true });
    expect((await ref.get()).data()).toEqual({ a: 1n, b: { c: 9n, d: 3n } });

    await ref.set({ a: 7n, b: { c: 0n } }, { mergeFields: ['a'] });
    expect((await ref.get()).data()).toEqual({ a: 7n, b: { c: 9n, d: 3n } });

    await ref.update({ 'b.d': FieldValue.delete(), 'e.f': 'new' });
    expect((await ref.get()).data()).toEqual({ a: 7n, b: { c: 9n }, e: { f: 'new' } });

    await ref.set({ only: true });
    expect((await ref.get()).data()).toEqual({ only: true });
  });

  it('keeps create_time and advances update_time strictly with every changing write', async () => {
    const ref = fresh();
    const first = await ref.create({ v: 0n });
    const times = [first.writeTime];
    for (let i = 1; i <= 5; i++) times.push((await ref.update({ v: BigInt(i) })).writeTime);
    const snap = await ref.get();

    for (let i = 1; i < times.length; i++) expect(times[i]!.valueOf() > times[i - 1]!.valueOf()).toBe(true);
    expect(snap.createTime!.isEqual(first.writeTime)).toBe(true);
    expect(snap.updateTime!.isEqual(times[5]!)).toBe(true);
  });

  it('answers preconditions with ALREADY_EXISTS, NOT_FOUND and FAILED_PRECONDITION', async () => {
    const ref = fresh();
    const created = await ref.create({ v: 1n });
    const createdTwice = await rejectionOf(ref.create({ v: 2n }));
    const missingUpdate = await rejectionOf(fresh().update({ v: 1n }));
    const stale = Timestamp.fromMillis(created.writeTime.toMillis() - 1000);
    const staleUpdate = await rejectionOf(ref.update({ v: 3n }, { lastUpdateTime: stale }));
    const staleDelete = await rejectionOf(ref.delete({ lastUpdateTime: stale }));
    const missingDelete = await rejectionOf(fresh().delete({ exists: true }));
    await ref.update({ v: 4n }, { lastUpdateTime: created.writeTime });

    expect(createdTwice.code).toBe(status.ALREADY_EXISTS);
    expect(missingUpdate.code).toBe(status.NOT_FOUND);
    expect(staleUpdate.code).toBe(status.FAILED_PRECONDITION);
    expect(staleDelete.code).toBe(status.FAILED_PRECONDITION);
    expect(missingDelete.code).toBe(status.NOT_FOUND);
    expect((await ref.get()).get('v')).toBe(4n);
  });

  it('applies increment (exact for integers), serverTimestamp, array, maximum and minimum transforms', async () => {
    const ref = fresh();
    await ref.set({
      big: 9007199254740993n,
      top: 9223372036854775800n,
      real: 0.5,
      tags: ['a', 'b'],
      hi: 5n,
      lo: 5n,
    });
    const result = await ref.update({
      big: FieldValue.increment(2),
      top: FieldValue.increment(100),
      real: FieldValue.increment(0.25),
      fresh: FieldValue.increment(3),
      at: FieldValue.serverTimestamp(),
      tags: FieldValue.arrayUnion('b', 'c'),
      hi: FieldValue.maximum(9),
      lo: FieldValue.minimum(9),
    });
    await ref.update({ tags: FieldValue.arrayRemove('a') });
    const snap = await ref.get();

    expect(snap.get('big')).toBe(9007199254740995n);
    expect(snap.get('top')).toBe(9223372036854775807n);
    expect(snap.get('real')).toBe(0.75);
    expect(snap.get('fresh')).toBe(3n);
    expect(snap.get('tags')).toEqual(['b', 'c']);
    expect(snap.get('hi')).toBe(9n);
    expect(snap.get('lo')).toBe(5n);
    expect((snap.get('at') as Timestamp).isEqual(result.writeTime)).toBe(true);
    expect(Math.abs(result.writeTime.toMillis() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses a document over 1 MiB with INVALID_ARGUMENT and accepts one just under', async () => {
    const tooBig = await rejectionOf(fresh().set({ blob: 'x'.repeat(1_048_576) }));
    await fresh().set({ blob: 'x'.repeat(1_000_000) });

    expect(tooBig.code).toBe(status.INVALID_ARGUMENT);
    if (target.local) expect(String(tooBig.message)).toContain('document exceeds the maximum size');
  });

  it('refuses a commit of more than 500 writes', async () => {
    const batch = db.batch();
    for (let i = 0; i < 501; i++) batch.set(db.collection(collection).doc(`many-${i}`), { i });
    const refused = await rejectionOf(batch.commit());
    const written = await db.collection(collection).doc('many-0').get();

    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(written.exists).toBe(false);
  });

  it('refuses a commit over the 10 MiB request limit with INVALID_ARGUMENT', async () => {
    const batch = db.batch();
    const blob = 'x'.repeat(1_000_000);
    for (let i = 0; i < 11; i++) batch.set(db.collection(collection).doc(`huge-${i}`), { blob });
    const refused = await rejectionOf(batch.commit());

    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect((await db.collection(collection).doc('huge-0').get()).exists).toBe(false);
  });

  it('reads several documents at once, found and missing, with a field mask', async () => {
    const [a, b, missing] = [fresh(), fresh(), fresh()];
    await a.set({ x: 1n, y: 2n });
    await b.set({ x: 3n, z: { w: 4n } });
    const [sa, sb, sm] = await db.getAll(a, b, missing, { fieldMask: ['x', 'z.w'] });

    expect(sa!.data()).toEqual({ x: 1n });
    expect(sb!.data()).toEqual({ x: 3n, z: { w: 4n } });
    expect(sm!.exists).toBe(false);
    expect(sa!.readTime.isEqual(sm!.readTime)).toBe(true);
  });

  it('lists documents (with parents that only have subcollections) and collection ids', async () => {
    const root = db.collection(target.collection('listing'));
    await root.doc('a').set({ v: 1n });
    await root.doc('b').collection('inner').doc('x').set({ v: 2n });
    await root.doc('c').set({ v: 3n });
    await root.doc('c').collection('more').doc('y').set({ v: 4n });
    await root.doc('c').collection('inner').doc('z').set({ v: 5n });

    const refs = await root.listDocuments();
    const collections = await root.doc('c').listCollections();

    expect(refs.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(collections.map((c) => c.id)).toEqual(['inner', 'more']);
  });

  it('reads the database as of a past time in a read-only transaction', async () => {
    const ref = fresh();
    const before = await ref.set({ v: 'old' });
    await ref.set({ v: 'new' });
    const old = await db.runTransaction((t) => t.get(ref), { readOnly: true, readTime: before.writeTime });

    expect(old.get('v')).toBe('old');
    expect((await ref.get()).get('v')).toBe('new');
  });

  it('keeps projects and databases apart', async () => {
    const path = `${collection}/shared`;
    await db.doc(path).set({ owner: 'first' });
    const otherProject = target.client({ projectId: 'another-project' });
    const otherDatabase = target.client({ databaseId: 'second-db' });

    expect((await otherProject.doc(path).get()).exists).toBe(false);
    expect((await otherDatabase.doc(path).get()).exists).toBe(false);
  });
});
