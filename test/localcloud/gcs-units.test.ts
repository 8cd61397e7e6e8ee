/**
 * The Cloud Storage stand-in's pieces on their own: the CRC32C it reports, the order it lists
 * names in, which API method a request is, and how preconditions decide.
 */
import { describe, expect, it } from 'vitest';
import { crc32cBase64, crc32cOf, crc32cUpdate } from '../../localcloud/gcs/crc32c.js';
import { GcsError } from '../../localcloud/gcs/errors.js';
import { compareNames } from '../../localcloud/gcs/names.js';
import { checkRead, checkWrite, preconditionsFrom } from '../../localcloud/gcs/preconditions.js';
import { routeOf } from '../../localcloud/gcs/routes.js';

describe('CRC32C', () => {
  it('matches the published check value and known vectors', () => {
    expect(crc32cUpdate(0, Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cOf(Buffer.alloc(0))).toBe('AAAAAA==');
    // RFC 3720 (iSCSI) test patterns: 32 bytes of zeros, and of 0xFF.
    expect(crc32cUpdate(0, Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32cUpdate(0, Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });

  it('gives the same value however the bytes are split', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
    const whole = crc32cOf(data);
    for (const cut of [1, 7, 8, 9, 500, 999]) {
      expect(crc32cBase64(crc32cUpdate(crc32cUpdate(0, data.subarray(0, cut)), data.subarray(cut)))).toBe(
        whole,
      );
    }
  });
});

describe('name order', () => {
  it('sorts by code point, as UTF-8 bytes sort', () => {
    const names = ['b', 'a/b', 'a', '\u{1F600}', '\uFFFD', 'a-b', 'A'];
    const sorted = [...names].sort(compareNames);
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted).toEqual(byBytes);
  });
});

describe('routes', () => {
  it('names the API method of each path form the client uses', () => {
    const cases: [string, string, string][] = [
      ['GET', '/storage/v1/b?project=p', 'buckets.list'],
      ['POST', '/b?project=p', 'buckets.insert'],
      ['DELETE', '/storage/v1/b/bkt', 'buckets.delete'],
      ['GET', '/storage/v1/b/bkt/o/a%2Fb?alt=media', 'objects.get'],
      ['GET', '/download/storage/v1/b/bkt/o/a%2Fb?alt=media', 'objects.get'],
      ['PATCH', '/b/bkt/o/a%2Fb', 'objects.patch'],
      ['POST', '/upload/storage/v1/b/bkt/o?uploadType=resumable', 'objects.insert'],
      ['PUT', '/upload/storage/v1/b/bkt/o?upload_id=x', 'objects.insert.chunk'],
      ['POST', '/storage/v1/b/s/o/x/rewriteTo/b/d/o/y', 'objects.rewrite'],
      ['POST', '/storage/v1/b/bkt/o/x/compose', 'objects.compose'],
      ['GET', '/storage/v1/b/bkt/iam', 'buckets.iam'],
      ['GET', '/bkt/some/object', 'xmlApi'],
    ];
    for (const [method, url, operation] of cases) expect(routeOf(method, url).operation, url).toBe(operation);
    expect(routeOf('GET', '/storage/v1/b/bkt/o/a%2Fb%20c').object).toBe('a/b c');
  });
});

describe('preconditions', () => {
  const live = { generation: 5, metageneration: 2 };
  const of = (query: string) => preconditionsFrom(new URLSearchParams(query));
  const codeOf = (fn: () => void) => {
    try {
      fn();
      return 'held';
    } catch (err) {
      return (err as GcsError).code;
    }
  };

  it('treats ifGenerationMatch=0 as "must not exist"', () => {
    expect(codeOf(() => checkWrite(of('ifGenerationMatch=0'), undefined))).toBe('held');
    expect(codeOf(() => checkWrite(of('ifGenerationMatch=0'), live))).toBe('conditionNotMet');
  });

  it('fails NotMatch and metageneration conditions when there is no live object', () => {
    for (const q of ['ifGenerationNotMatch=0', 'ifMetagenerationMatch=1', 'ifMetagenerationNotMatch=9']) {
      expect(
        codeOf(() => checkWrite(of(q), undefined)),
        q,
      ).toBe('conditionNotMet');
    }
    expect(codeOf(() => checkWrite(of('ifGenerationNotMatch=0'), live))).toBe('held');
  });

  it('answers failed reads with 412 for Match and 304 for NotMatch', () => {
    expect(codeOf(() => checkRead(of('ifGenerationMatch=4'), live))).toBe('conditionNotMet');
    expect(codeOf(() => checkRead(of('ifGenerationNotMatch=5'), live))).toBe('notModified');
    expect(codeOf(() => checkRead(of('ifMetagenerationMatch=2&ifGenerationNotMatch=4'), live))).toBe('held');
  });

  it('refuses values that are not integers', () => {
    expect(() => of('ifGenerationMatch=abc')).toThrow(GcsError);
  });
});
