/**
 * Cloud Storage buckets and listings through the official client: creating, reading, labelling,
 * listing and deleting buckets, and object listings with prefixes, delimiters and pages.
 */
import type { File, GetFilesOptions } from '@google-cloud/storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureOf, gcsSuite, statusOf, uniqueBucketName } from './gcs-target.js';

const suite = gcsSuite();

describe('Cloud Storage buckets', () => {
  it('creates a bucket, reads it back, and refuses the same name again with 409', async () => {
    const name = uniqueBucketName('created');
    const [bucket] = await suite.storage.createBucket(name);
    const [metadata] = await bucket.getMetadata();
    expect(metadata).toMatchObject({ name, id: name, kind: 'storage#bucket' });
    expect((await bucket.exists())[0]).toBe(true);
    expect(statusOf(await failureOf(suite.storage.createBucket(name)))).toBe(409);
    await bucket.delete();
    expect((await bucket.exists())[0]).toBe(false);
    expect(statusOf(await failureOf(bucket.getMetadata()))).toBe(404);
  });

  it('refuses invalid bucket names with 400', async () => {
    for (const name of ['ab', 'Upper-Case', '-leading-dash', 'a'.repeat(64)]) {
      expect(statusOf(await failureOf(suite.storage.createBucket(name))), name).toBe(400);
    }
  });

  it('refuses to delete a bucket that holds objects with 409', async () => {
    const [bucket] = await suite.storage.createBucket(uniqueBucketName('full'));
    await bucket.file('keep').save('x', { resumable: false });
    expect(statusOf(await failureOf(bucket.delete()))).toBe(409);
    await bucket.file('keep').delete();
    await bucket.delete();
  });

  it('lists the project’s buckets by prefix, a page at a time', async () => {
    const prefix = uniqueBucketName('listed');
    const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const name of names) await suite.storage.createBucket(name);
    const seen: string[] = [];
    let query: object | null = { prefix, maxResults: 2, autoPaginate: false };
    while (query !== null) {
      const [buckets, next]: [{ name: string }[], object | null] = (await suite.storage.getBuckets(
        query,
      )) as never;
      expect(buckets.length).toBeLessThanOrEqual(2);
      seen.push(...buckets.map((b) => b.name));
      query = next;
    }
    expect(seen).toEqual(names);
    for (const name of names) await suite.storage.bucket(name).delete();
  });

  it('patches labels; the metageneration goes up', async () => {
    const [bucket] = await suite.storage.createBucket(uniqueBucketName('labelled'));
    const [metadata] = await bucket.setMetadata({ labels: { pipeline: 'candles', env: 'local' } });
    expect(metadata).toMatchObject({ labels: { pipeline: 'candles', env: 'local' }, metageneration: '2' });
    const [again] = await bucket.setMetadata({ labels: { env: null } });
    expect(again.labels).toEqual({ pipeline: 'candles' });
    await bucket.delete();
  });
});

describe('Cloud Storage object listings', () => {
  const names = [
    'list/a.txt',
    'list/b/1',
    'list/b/2',
    'list/c/deep/1',
    'list/d.txt',
    'list/e/',
    'list/e/x',
    'other',
  ];

  beforeAll(async () => {
    await Promise.all(names.map((n) => suite.bucket.file(n).save(n, { resumable: false })));
  });

  async function list(options: GetFilesOptions): Promise<{ items: string[]; prefixes: string[] }> {
    const [files, , response] = (await suite.bucket.getFiles({
      ...options,
      autoPaginate: false,
    })) as unknown as [File[], unknown, { prefixes?: string[] }];
    return { items: files.map((f) => f.name), prefixes: response.prefixes ?? [] };
  }

  it('lists by prefix in name order', async () => {
    const { items, prefixes } = await list({ prefix: 'list/' });
    expect(items).toEqual(names.filter((n) => n.startsWith('list/')));
    expect(prefixes).toEqual([]);
  });

  it('folds deeper names into prefixes under a delimiter', async () => {
    expect(await list({ prefix: 'list/', delimiter: '/' })).toEqual({
      items: ['list/a.txt', 'list/d.txt'],
      prefixes: ['list/b/', 'list/c/', 'list/e/'],
    });
  });

  it('also lists objects named like a prefix with includeTrailingDelimiter', async () => {
    const { items } = await list({ prefix: 'list/', delimiter: '/', includeTrailingDelimiter: true });
    expect(items).toEqual(['list/a.txt', 'list/d.txt', 'list/e/']);
  });

  it('pages through items and prefixes together, maxResults at a time', async () => {
    const items: string[] = [];
    const prefixes: string[] = [];
    let query: GetFilesOptions | null = {
      prefix: 'list/',
      delimiter: '/',
      maxResults: 2,
      autoPaginate: false,
    };
    while (query !== null) {
      const [files, next, response] = (await suite.bucket.getFiles(query)) as unknown as [
        File[],
        GetFilesOptions | null,
        { prefixes?: string[] },
      ];
      expect(files.length + (response.prefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      items.push(...files.map((f) => f.name));
      prefixes.push(...(response.prefixes ?? []));
      query = next;
    }
    expect(items).toEqual(['list/a.txt', 'list/d.txt']);
    expect(prefixes).toEqual(['list/b/', 'list/c/', 'list/e/']);
  });

  it('collects every page with autoPaginate', async () => {
    const [files] = await suite.bucket.getFiles({ prefix: 'list/', maxResults: 1000 });
    expect(files.map((f) => f.name)).toEqual(names.filter((n) => n.startsWith('list/')));
  });

  it('lists between startOffset and endOffset', async () => {
    const { items } = await list({ startOffset: 'list/b/2', endOffset: 'list/d.txt' });
    expect(items).toEqual(['list/b/2', 'list/c/deep/1']);
  });
});
