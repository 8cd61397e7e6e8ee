/**
 * Cloud Storage objects through the official client: round trips of every upload path and size,
 * metadata on upload and by patch, downloads the client verifies, ranges, and deletes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { failureOf, gcsSuite, statusOf } from './gcs-target.js';

const suite = gcsSuite();
const MiB = 1024 * 1024;
const big = randomBytes(20 * MiB);

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('Cloud Storage object round trips', () => {
  for (const [label, size] of [
    ['0 bytes', 0],
    ['1 byte', 1],
  ] as const) {
    for (const resumable of [false, true]) {
      it(`saves and downloads ${label} (${resumable ? 'resumable' : 'multipart'})`, async () => {
        const data = randomBytes(size);
        const file = suite.bucket.file(`sizes/${size}-${resumable}`);
        await file.save(data, { resumable });
        const [back] = await file.download();
        expect(back.equals(data)).toBe(true);
        const [metadata] = await file.getMetadata();
        expect(metadata).toMatchObject({ size: String(size), md5Hash: md5(data) });
      });
    }
  }

  for (const resumable of [false, true]) {
    it(`keeps names with slashes, spaces, percent signs and non-ASCII (${resumable ? 'resumable' : 'multipart'})`, async () => {
      const name = `odd/ü € +%20#?&=/${resumable}.txt`;
      await suite.bucket.file(name).save(name, { resumable });
      expect((await suite.bucket.file(name).download())[0].toString()).toBe(name);
      const [files] = await suite.bucket.getFiles({ prefix: 'odd/', delimiter: '/' });
      expect(files).toEqual([]);
      const [listed] = await suite.bucket.getFiles({ prefix: 'odd/ü € +%20#?&=/' });
      expect(listed.map((f) => f.name)).toContain(name);
    });
  }

  it('saves 20 MB in one request and downloads it, verified by the client', async () => {
    const file = suite.bucket.file('sizes/20mb-multipart');
    await file.save(big, { resumable: false });
    const [back] = await file.download({ validation: 'crc32c' });
    expect(back.equals(big)).toBe(true);
  });

  it('streams 20 MB up through a resumable upload and down through a read stream', async () => {
    const file = suite.bucket.file('sizes/20mb-stream');
    await pipeline(Readable.from(chunksOf(big, 1000 * 1000)), file.createWriteStream({ resumable: true }));
    const back = await readAll(file.createReadStream());
    expect(back.equals(big)).toBe(true);
    const [metadata] = await file.getMetadata();
    expect(metadata.md5Hash).toBe(md5(big));
  });

  it('uploads in chunks when given a chunk size, and checks md5 on the way down too', async () => {
    const data = big.subarray(0, 3 * MiB + 12345);
    const file = suite.bucket.file('sizes/chunked');
    await file.save(data, { resumable: true, chunkSize: MiB });
    const [back] = await file.download({ validation: 'md5' });
    expect(back.equals(data)).toBe(true);
  });

  it('keeps the metadata of a multipart upload: content type, custom metadata, cache control', async () => {
    const file = suite.bucket.file('meta/trades.csv');
    await file.save('a,b\n1,2\n', {
      resumable: false,
      metadata: {
        contentType: 'text/csv',
        cacheControl: 'no-cache',
        metadata: { symbol: 'BTCUSDT', day: '2024-05-01' },
      },
    });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      name: 'meta/trades.csv',
      bucket: suite.bucketName,
      contentType: 'text/csv',
      cacheControl: 'no-cache',
      metadata: { symbol: 'BTCUSDT', day: '2024-05-01' },
      size: '8',
      metageneration: '1',
    });
    expect(Number(metadata.generation)).toBeGreaterThan(0);
    expect(metadata.crc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('stores gzip content encoding as given and hands the client the original bytes', async () => {
    const text = 'price,qty\n'.repeat(1000);
    const file = suite.bucket.file('meta/compressed.csv');
    await file.save(gzipSync(text), {
      resumable: false,
      metadata: { contentType: 'text/csv', contentEncoding: 'gzip' },
    });
    const [metadata] = await file.getMetadata();
    expect(metadata.contentEncoding).toBe('gzip');
    const [back] = await file.download();
    expect(back.toString()).toBe(text);
  });

  it('downloads byte ranges, including an open end and a tail', async () => {
    const data = Buffer.from('0123456789abcdef');
    const file = suite.bucket.file('ranges/hex');
    await file.save(data, { resumable: false });
    const [middle] = await file.download({ start: 2, end: 5 });
    expect(middle.toString()).toBe('2345');
    const [rest] = await file.download({ start: 10 });
    expect(rest.toString()).toBe('abcdef');
    const [tail] = await file.download({ end: -3 });
    expect(tail.toString()).toBe('def');
  });

  it('patches custom metadata and content type; the metageneration goes up', async () => {
    const file = suite.bucket.file('meta/patched');
    await file.save('x', { resumable: false, metadata: { metadata: { keep: '1', drop: '2' } } });
    const [patched] = await file.setMetadata({
      contentType: 'text/plain',
      metadata: { drop: null, add: '3' },
    });
    expect(patched).toMatchObject({
      contentType: 'text/plain',
      metadata: { keep: '1', add: '3' },
      metageneration: '2',
    });
    expect(patched.metadata).not.toHaveProperty('drop');
  });

  it('deletes an object; deleting or reading it again is a 404', async () => {
    const file = suite.bucket.file('gone/soon');
    await file.save('x', { resumable: false });
    await file.delete();
    expect(statusOf(await failureOf(file.delete()))).toBe(404);
    expect(statusOf(await failureOf(file.getMetadata()))).toBe(404);
    expect(statusOf(await failureOf(file.download()))).toBe(404);
    const [exists] = await file.exists();
    expect(exists).toBe(false);
  });

  it('copies an object with its metadata', async () => {
    const source = suite.bucket.file('copy/source');
    await source.save('copied', {
      resumable: false,
      metadata: { contentType: 'text/plain', metadata: { a: '1' } },
    });
    const [copy] = await source.copy(suite.bucket.file('copy/destination'));
    const [metadata] = await copy.getMetadata();
    expect(metadata).toMatchObject({ contentType: 'text/plain', metadata: { a: '1' }, size: '6' });
    expect((await copy.download())[0].toString()).toBe('copied');
  });
});

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
