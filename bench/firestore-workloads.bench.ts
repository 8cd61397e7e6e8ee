/**
 * Committed writes per second through the official client against the local Firestore stand-in,
 * with candle-shaped documents: WriteBatch commits of 500 set()s (one and four in flight),
 * individual set()s with 64 in flight, BulkWriter without its ramp-up throttle, and
 * read-modify-write transactions on one hot document and on many.
 *
 * Run: npm run --silent bench:firestore
 */
import { type DocumentReference, Firestore } from '@google-cloud/firestore';
import { FaultController } from '../localcloud/faults.js';
import { startFirestore } from '../localcloud/firestore/index.js';

// Local only: keep the Google client from probing the GCE metadata server.
process.env.METADATA_SERVER_DETECTION ??= 'none';

function candle(i: number) {
  const open = 60_000 + (i % 500);
  return {
    symbol: `SYM${i % 50}`,
    interval: '1m',
    openTime: 1_700_000_000_000 + i * 60_000,
    open,
    high: open + 12.5,
    low: open - 7.25,
    close: open + 3.5,
    volume: 123.456 + i,
    trades: 1000 + i,
  };
}

async function timed(label: string, writes: number, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${label.padEnd(44)} ${writes} writes in ${seconds.toFixed(2)} s: ${Math.round(writes / seconds)} writes/s\n`,
  );
}

/** Runs `count` tasks with at most `width` in flight. */
async function pool(count: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function main(): Promise<void> {
  const running = await startFirestore(new FaultController(), { port: 0 });
  const db = new Firestore({ projectId: 'bench', host: running.url, ssl: false });
  const col = (name: string) => db.collection(name);
  await col('warmup').doc('w').set(candle(0));

  const batch = (name: string, b: number) => {
    const wb = db.batch();
    for (let i = 0; i < 500; i++) wb.set(col(name).doc(`c${b * 500 + i}`), candle(b * 500 + i));
    return wb.commit();
  };
  await timed('WriteBatch of 500 set(), 1 in flight', 20_000, () => pool(40, 1, (b) => batch('batch1', b)));
  await timed('WriteBatch of 500 set(), 4 in flight', 20_000, () => pool(40, 4, (b) => batch('batch4', b)));
  await timed('set() one by one, 64 in flight', 10_000, () =>
    pool(10_000, 64, (i) => col('single').doc(`c${i}`).set(candle(i))),
  );
  await timed('set(merge) one by one, 64 in flight (updates)', 10_000, () =>
    pool(10_000, 64, (i) => col('single').doc(`c${i}`).set({ close: i }, { merge: true })),
  );
  await timed('BulkWriter set(), throttling off', 20_000, async () => {
    const writer = db.bulkWriter({ throttling: false });
    for (let i = 0; i < 20_000; i++) void writer.set(col('bulk').doc(`c${i}`), candle(i));
    await writer.close();
  });
  const increment = (ref: DocumentReference) =>
    db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      t.set(ref, { n: ((snap.get('n') as number | undefined) ?? 0) + 1 });
    });
  await timed('transactions on 1 hot document, 20 in flight', 2_000, () =>
    pool(2_000, 20, () => increment(col('tx').doc('hot'))),
  );
  await timed('transactions on 1,000 documents, 64 in flight', 5_000, () =>
    pool(5_000, 64, (i) => increment(col('tx').doc(`d${i % 1000}`))),
  );
  await db.terminate();
  await running.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
