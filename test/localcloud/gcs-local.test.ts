/**
 * What only the local Cloud Storage stand-in can show: injected faults retried by the official
 * client, down and up, request counts by API method, state kept across a restart on a data
 * directory, and the client's download check catching bytes that changed on disk.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import type { StandInOptions } from '../../localcloud/http-service.js';
import { external, failureOf, type GcsTarget, gcsTarget, statusOf } from './gcs-target.js';

const targets: GcsTarget[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(faults = new FaultController(), options: StandInOptions = {}) {
  const target = await gcsTarget(options, faults);
  targets.push(target);
  const storage = target.client();
  const [bucket] = await storage.createBucket('local-bucket');
  return { target, faults, storage, bucket };
}

/** A controller whose first `failures` requests fail (with failureRate set), and no later one. */
function failingFirst(failures: number): FaultController {
  let draws = 0;
  return new FaultController({ random: () => (draws++ < failures ? 0 : 0.99) });
}

async function temporaryDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gcs-standin-'));
  dirs.push(dir);
  return dir;
}

describe.skipIf(external)('Cloud Storage stand-in faults', () => {
  // The client retries uploads only when they are conditional (RetryConditional), so these are.
  const createOnly = { preconditionOpts: { ifGenerationMatch: 0 } };

  it('answers injected server errors with 503 backendError, which the client retries', async () => {
    const { faults, bucket } = await start(failingFirst(1));
    await bucket.file('a').save('x', { resumable: false, ...createOnly });
    faults.set('storage', { failureRate: 0.5, failureKind: 'server' });
    faults.resetCounts();
    const [metadata] = await bucket.file('a').getMetadata();
    expect(metadata.size).toBe('1');
    expect(faults.counts().storage).toEqual({ 'objects.get': 2 });
  });

  it('answers injected throttling with 429 rateLimitExceeded, which the client retries', async () => {
    const faults = failingFirst(1);
    const { bucket } = await start(faults);
    faults.set('storage', { failureRate: 0.5, failureKind: 'throttle' });
    faults.resetCounts();
    await bucket.file('created').save('x', { resumable: false, ...createOnly });
    expect((await bucket.file('created').download())[0].toString()).toBe('x');
    expect(faults.total('storage', 'objects.insert')).toBe(2);
  });

  it('resumes a resumable upload after an injected failure on a chunk', async () => {
    // Fails the second chunk's first attempt: the shell counts a request before deciding on it.
    const faults: FaultController = new FaultController({
      random: () => (faults.total('storage', 'objects.insert.chunk') === 2 ? 0 : 0.99),
    });
    const { bucket } = await start(faults);
    faults.set('storage', { failureRate: 0.5, failureKind: 'server' });
    faults.resetCounts();
    const data = Buffer.alloc(600 * 1024, 7);
    const file = bucket.file('resumed');
    await file.save(data, { resumable: true, chunkSize: 256 * 1024, ...createOnly });
    expect((await file.download())[0].equals(data)).toBe(true);
    // Three chunks, the failed one again, and the status query in between.
    expect(faults.total('storage', 'objects.insert.chunk')).toBe(5);
  });

  it('gives up after the client’s retries when every request fails', async () => {
    const { target, faults } = await start();
    faults.set('storage', { failureRate: 1, failureKind: 'server' });
    faults.resetCounts();
    const client = target.client({ retryOptions: { maxRetries: 2 } });
    expect(statusOf(await failureOf(client.bucket('local-bucket').getMetadata()))).toBe(503);
    expect(faults.total('storage', 'buckets.get')).toBe(3);
  });

  it('refuses connections while down and serves again on the same port once up', async () => {
    const { target, faults, bucket } = await start();
    faults.set('storage', { down: true });
    const once = target.client({ retryOptions: { autoRetry: false } }).bucket(bucket.name);
    // A kept-alive socket from before sees its reset first; a new connection is refused.
    const first = (await failureOf(once.getMetadata())) as { code?: string };
    expect(['ECONNRESET', 'ECONNREFUSED']).toContain(first.code);
    const second = (await failureOf(once.getMetadata())) as { code?: string };
    expect(second.code).toBe('ECONNREFUSED');
    faults.set('storage', { down: false });
    expect((await bucket.exists())[0]).toBe(true);
  });

  it('counts requests by API method', async () => {
    const { faults, storage, bucket } = await start();
    faults.resetCounts();
    const file = bucket.file('counted');
    await file.save('x', { resumable: false });
    await file.save('y', { resumable: true });
    await file.getMetadata();
    await file.download();
    await file.setMetadata({ metadata: { a: '1' } });
    await bucket.getFiles();
    await file.delete();
    await storage.getBuckets();
    expect(faults.counts().storage).toEqual({
      'objects.insert': 2,
      'objects.insert.chunk': 1,
      'objects.get': 2,
      'objects.patch': 1,
      'objects.list': 1,
      'objects.delete': 1,
      'buckets.list': 1,
    });
  });
});

describe.skipIf(external)('Cloud Storage stand-in persistence', () => {
  it('keeps buckets, objects and metadata across a restart on the same data directory', async () => {
    const dataDir = await temporaryDir();
    const first = await start(new FaultController(), { dataDir });
    const file = first.bucket.file('kept/trades.csv');
    await file.save('a,b\n', {
      resumable: false,
      metadata: { contentType: 'text/csv', metadata: { day: '1' } },
    });
    await first.bucket.file('kept/big').save(Buffer.alloc(300_000, 1), { resumable: true });
    await first.bucket.file('dropped').save('x', { resumable: false });
    await first.bucket.file('dropped').delete();
    const [before] = await file.getMetadata();
    await first.target.stop();

    const target = await gcsTarget({ dataDir });
    targets.push(target);
    const bucket = target.client().bucket('local-bucket');
    const [after] = await bucket.file('kept/trades.csv').getMetadata();
    expect(after).toMatchObject({
      generation: before.generation,
      contentType: 'text/csv',
      metadata: { day: '1' },
      md5Hash: before.md5Hash,
    });
    expect((await bucket.file('kept/trades.csv').download())[0].toString()).toBe('a,b\n');
    expect((await bucket.file('kept/big').download())[0].length).toBe(300_000);
    const [files] = await bucket.getFiles();
    expect(files.map((f) => f.name)).toEqual(['kept/big', 'kept/trades.csv']);
    const again = bucket.file('kept/trades.csv').save('x', { preconditionOpts: { ifGenerationMatch: 0 } });
    expect(statusOf(await failureOf(again))).toBe(412);
    await bucket.file('kept/trades.csv').save('v2', { resumable: false });
    const [newer] = await bucket.file('kept/trades.csv').getMetadata();
    expect(Number(newer.generation)).toBeGreaterThan(Number(before.generation));
  });

  it('lets exactly one of concurrent create-only uploads land on disk too', async () => {
    const { bucket } = await start(new FaultController(), { dataDir: await temporaryDir() });
    for (const resumable of [false, true]) {
      const name = `race-on-disk/${resumable}`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          bucket.file(name).save(`writer ${i}`, { resumable, preconditionOpts: { ifGenerationMatch: 0 } }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [statusOf(o.reason)] : []))).toEqual(
        Array(7).fill(412),
      );
    }
  });

  it('lets the client’s download check catch bytes changed on disk', async () => {
    const dataDir = await temporaryDir();
    const { bucket } = await start(new FaultController(), { dataDir });
    const file = bucket.file('tampered');
    await file.save('original bytes', { resumable: false });
    const objects = path.join(dataDir, 'gcs', 'buckets', 'local-bucket', 'objects');
    const body = (await readdir(objects)).find((f) => f.endsWith('.data'))!;
    await writeFile(path.join(objects, body), 'tampered bytes');
    const err = (await failureOf(file.download())) as { code?: string };
    expect(err.code).toBe('CONTENT_DOWNLOAD_MISMATCH');
  });
});
