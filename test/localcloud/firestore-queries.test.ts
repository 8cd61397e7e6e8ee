/**
 * Firestore queries through the official client, over a small collection of candles: equality
 * plus range filters with ordering and limits, cursors both ways, Firestore's cross-type value
 * order and type-bracketed ranges, the list and array operators, projections, offsets, count /
 * sum / average, and the queries the stand-in refuses by name rather than answering differently.
 */
import {
  AggregateField,
  FieldPath,
  Filter,
  type Firestore,
  GeoPoint,
  type Query,
  Timestamp,
} from '@google-cloud/firestore';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { external, type FirestoreTarget, firestoreTarget, rejectionOf } from './firestore-target.js';

let target: FirestoreTarget;
let db: Firestore;
let candles: ReturnType<Firestore['collection']>;

const ids = async (q: Query) => (await q.get()).docs.map((d) => d.id);

beforeAll(async () => {
  target = await firestoreTarget();
  db = target.client();
  candles = db.collection(target.collection('candles'));
  const batch = db.batch();
  for (let minute = 0; minute < 10; minute++) {
    for (const symbol of ['BTC', 'ETH']) {
      batch.set(candles.doc(`${symbol}-${minute}`), {
        symbol,
        interval: minute % 2 === 0 ? '1m' : '5m',
        openTime: minute,
        close: 100 + minute + (symbol === 'ETH' ? 0.5 : 0),
        tags: minute < 3 ? ['early', symbol] : [symbol],
        ...(minute === 9 ? {} : { volume: minute === 8 ? null : minute * 10 }),
      });
    }
  }
  await batch.commit();
});
afterAll(() => target?.stop());

describe('Firestore queries', () => {
  it('combines equality filters with a range, an ordering and a limit', async () => {
    const btc = candles.where('symbol', '==', 'BTC');

    expect(await ids(btc.where('openTime', '>=', 3).orderBy('openTime').limit(3))).toEqual([
      'BTC-3',
      'BTC-4',
      'BTC-5',
    ]);
    expect(
      await ids(btc.where('interval', '==', '1m').where('openTime', '<', 5).orderBy('openTime', 'desc')),
    ).toEqual(['BTC-4', 'BTC-2', 'BTC-0']);
    expect(await ids(btc.where('openTime', '>', 7))).toEqual(['BTC-8', 'BTC-9']);
  });

  it('pages with startAfter a snapshot and stops with endBefore and endAt values', async () => {
    const ordered = candles.where('symbol', '==', 'ETH').orderBy('openTime');
    const pages: string[][] = [];
    let page = await ordered.limit(4).get();
    while (!page.empty) {
      pages.push(page.docs.map((d) => d.id));
      page = await ordered
        .startAfter(page.docs[page.docs.length - 1]!)
        .limit(4)
        .get();
    }

    expect(pages).toEqual([
      ['ETH-0', 'ETH-1', 'ETH-2', 'ETH-3'],
      ['ETH-4', 'ETH-5', 'ETH-6', 'ETH-7'],
      ['ETH-8', 'ETH-9'],
    ]);
    expect(await ids(ordered.startAt(2).endBefore(5))).toEqual(['ETH-2', 'ETH-3', 'ETH-4']);
    expect(await ids(ordered.startAfter(2).endAt(5))).toEqual(['ETH-3', 'ETH-4', 'ETH-5']);
    expect(await ids(ordered.limitToLast(2))).toEqual(['ETH-8', 'ETH-9']);
  });

  it('orders values across types as Firestore does and brackets ranges by type', async () => {
    const bigDb = target.client({ useBigInt: true });
    const mixed = bigDb.collection(target.collection('mixed'));
    const values: Record<string, unknown> = {
      a_null: null,
      b_false: false,
      c_true: true,
      d_nan: Number.NaN,
      e_minus: -1n,
      f_double: 9007199254740992,
      g_int: 9007199254740993n,
      h_time: new Timestamp(0, 0),
      i_text: 'text',
      j_bytes: Buffer.from([1]),
      k_ref: bigDb.doc('a/b'),
      l_geo: new GeoPoint(0, 0),
      m_array: [1n],
      n_map: { k: 1n },
    };
    const shuffled = Object.entries(values).reverse();
    await Promise.all(shuffled.map(([id, v]) => mixed.doc(id).set({ v })));

    expect(await ids(mixed.orderBy('v'))).toEqual(Object.keys(values));
    expect(await ids(mixed.where('v', '>', 0))).toEqual(['f_double', 'g_int']);
    expect(await ids(mixed.where('v', '>=', 'a'))).toEqual(['i_text']);
    expect(await ids(mixed.where('v', '==', 9007199254740993n))).toEqual(['g_int']);
  });

  it('matches in, not-in, !=, array-contains and array-contains-any as the service does', async () => {
    const minute = (q: Query) => ids(q.where('symbol', '==', 'BTC'));

    expect(await minute(candles.where('openTime', 'in', [1, 4, 42]))).toEqual(['BTC-1', 'BTC-4']);
    expect(await minute(candles.where('openTime', 'not-in', [0, 1, 2, 3, 4, 5, 6]))).toEqual([
      'BTC-7',
      'BTC-8',
      'BTC-9',
    ]);
    // != skips documents without the field (BTC-9) and with null (BTC-8).
    expect(await minute(candles.where('volume', '!=', 10))).toEqual([
      'BTC-0',
      'BTC-2',
      'BTC-3',
      'BTC-4',
      'BTC-5',
      'BTC-6',
      'BTC-7',
    ]);
    expect(await minute(candles.where('volume', '==', null))).toEqual(['BTC-8']);
    expect(await minute(candles.where('tags', 'array-contains', 'early'))).toEqual([
      'BTC-0',
      'BTC-1',
      'BTC-2',
    ]);
    expect(
      await ids(
        candles.where('tags', 'array-contains-any', ['early', 'nothing']).where('symbol', '==', 'ETH'),
      ),
    ).toEqual(['ETH-0', 'ETH-1', 'ETH-2']);
  });

  it('filters and orders by document id, projects fields and skips with offset', async () => {
    const byId = candles.where(FieldPath.documentId(), '>=', 'ETH-7').orderBy(FieldPath.documentId());
    const projected = await candles
      .where('symbol', '==', 'BTC')
      .orderBy('openTime')
      .select('close')
      .offset(8)
      .get();

    expect(await ids(byId)).toEqual(['ETH-7', 'ETH-8', 'ETH-9']);
    expect(projected.docs.map((d) => d.data())).toEqual([{ close: 108 }, { close: 109 }]);
  });

  it('counts, sums and averages a query', async () => {
    const btc = candles.where('symbol', '==', 'BTC');
    const [count, limited, stats, empty] = await Promise.all([
      btc.count().get(),
      btc.orderBy('openTime').limit(4).count().get(),
      btc.aggregate({ total: AggregateField.sum('openTime'), mean: AggregateField.average('close') }).get(),
      candles
        .where('symbol', '==', 'SOL')
        .aggregate({ mean: AggregateField.average('close') })
        .get(),
    ]);

    expect(count.data().count).toBe(10);
    expect(limited.data().count).toBe(4);
    expect(stats.data()).toEqual({ total: 45, mean: 104.5 });
    expect(empty.data().mean).toBeNull();
  });
});

describe.skipIf(external)('Firestore queries the stand-in refuses', () => {
  it('refuses OR filters, inequalities on two fields and collection groups with UNIMPLEMENTED', async () => {
    const or = await rejectionOf(
      candles.where(Filter.or(Filter.where('openTime', '==', 1), Filter.where('openTime', '==', 2))).get(),
    );
    const twoRanges = await rejectionOf(candles.where('openTime', '>', 1).where('close', '<', 105).get());
    const group = await rejectionOf(db.collectionGroup('candles').get());

    expect(or.code).toBe(status.UNIMPLEMENTED);
    expect(or.message).toContain('OR filters');
    expect(twoRanges.code).toBe(status.UNIMPLEMENTED);
    expect(twoRanges.message).toContain('inequality filters on more than one field (openTime, close)');
    expect(group.code).toBe(status.UNIMPLEMENTED);
    expect(group.message).toContain('collection group queries');
  });

  it('answers PartitionQuery UNIMPLEMENTED, naming the method', async () => {
    const partitions = await rejectionOf(
      (async () => {
        for await (const _ of db.collectionGroup('candles').getPartitions(4)) {
          // Draining is all that is needed.
        }
      })(),
    );

    expect(partitions.code).toBe(status.UNIMPLEMENTED);
    expect(partitions.message).toContain('PartitionQuery is not implemented by the local Firestore stand-in');
  });
});
