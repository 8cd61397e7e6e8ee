/**
 * ListObjectsV2 through the official SDK. The stand-in answers it from s3rver's V1 listing with
 * continuation tokens of its own, so paging and common prefixes are where it could go wrong.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Suite } from './s3-target.js';

const suite = s3Suite();
const { bucket, put } = suite;

describe('S3 listing', () => {
  it('lists by prefix and delimiter, page by page', async () => {
    for (const key of ['list/a/1', 'list/a/2', 'list/a/3', 'list/b/1', 'list/c'])
      await put({ Key: key, Body: key });
    const first = await suite.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/a/', MaxKeys: 2 }),
    );
    expect(first.Contents?.map((o) => o.Key)).toEqual(['list/a/1', 'list/a/2']);
    expect(first.IsTruncated).toBe(true);
    const second = await suite.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'list/a/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken!,
      }),
    );
    expect(second.Contents?.map((o) => o.Key)).toEqual(['list/a/3']);
    expect(second.IsTruncated).toBe(false);
    const tree = await suite.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', Delimiter: '/' }),
    );
    expect(tree.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/a/', 'list/b/']);
    expect(tree.Contents?.map((o) => o.Key)).toEqual(['list/c']);
  });
});
