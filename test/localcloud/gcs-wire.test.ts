/**
 * The JSON API on the wire, below the client: error bodies, simple and multipart uploads with
 * client-sent hashes, the resumable upload protocol step by step, download headers and ranges,
 * the path forms the client uses, and the 501 answers for what the stand-in does not serve.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clientViaEmulatorVariable, external, failureOf, gcsSuite, statusOf } from './gcs-target.js';

const suite = gcsSuite();
const api = () => `${suite.target.endpoint}/storage/v1/b/${suite.bucketName}`;
const upload = () => `${suite.target.endpoint}/upload/storage/v1/b/${suite.bucketName}/o`;
/** CRC32C of "123456789" is 0xE3069283, the published check value. */
const CHECK_CRC32C = '4waSgw==';
const CHECK_MD5 = 'JfnnlDI7RTiF9RgfG2JNCw==';

async function errorOf(response: Response): Promise<{ code: number; reason: string }> {
  const body = (await response.json()) as { error: { code: number; errors: { reason: string }[] } };
  return { code: body.error.code, reason: body.error.errors[0]!.reason };
}

function multipart(metadata: object, data: string): { body: string; headers: Record<string, string> } {
  const b = 'wire-boundary';
  const body =
    `--${b}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${b}\r\nContent-Type: text/plain\r\n\r\n${data}\r\n--${b}--`;
  return { body, headers: { 'content-type': `multipart/related; boundary=${b}` } };
}

async function startSession(name: string, query = ''): Promise<string> {
  const response = await fetch(`${upload()}?uploadType=resumable&name=${encodeURIComponent(name)}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-upload-content-type': 'text/plain' },
    body: '{}',
  });
  expect(response.status).toBe(200);
  return response.headers.get('location')!;
}

function put(session: string, range: string, body = ''): Promise<Response> {
  return fetch(session, { method: 'PUT', headers: { 'content-range': range }, body });
}

describe('Cloud Storage JSON API on the wire', () => {
  it('answers errors in the JSON API format', async () => {
    const response = await fetch(`${api()}/o/${encodeURIComponent('no/such')}`);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: 404, reason: 'notFound' });
    const media = () =>
      fetch(`${upload()}?uploadType=media&name=wire%2Fonce&ifGenerationMatch=0`, {
        method: 'POST',
        body: 'x',
      });
    expect((await media()).status).toBe(200);
    const again = await media();
    expect(again.status).toBe(412);
    expect(await errorOf(again)).toEqual({ code: 412, reason: 'conditionNotMet' });
  });

  it('takes a media upload and computes md5 and crc32c', async () => {
    const response = await fetch(`${upload()}?uploadType=media&name=${encodeURIComponent('wire/check')}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '123456789',
    });
    expect(await response.json()).toMatchObject({
      name: 'wire/check',
      size: '9',
      contentType: 'text/plain',
      crc32c: CHECK_CRC32C,
      md5Hash: CHECK_MD5,
    });
  });

  it('checks the hashes a multipart upload carries in its metadata', async () => {
    const good = multipart({ name: 'wire/hashed', crc32c: CHECK_CRC32C, md5Hash: CHECK_MD5 }, '123456789');
    const ok = await fetch(`${upload()}?uploadType=multipart`, { method: 'POST', ...good });
    expect(ok.status).toBe(200);
    const bad = multipart({ name: 'wire/mismatch', md5Hash: CHECK_MD5 }, '12345678X');
    const refused = await fetch(`${upload()}?uploadType=multipart`, { method: 'POST', ...bad });
    expect(refused.status).toBe(400);
    expect((await fetch(`${api()}/o/${encodeURIComponent('wire/mismatch')}`)).status).toBe(404);
  });

  it('runs the resumable protocol: 308 with Range until the last byte, status queries, resent bytes', async () => {
    const session = await startSession('wire/resumable');
    const first = await put(session, 'bytes 0-3/*', 'abcd');
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-3');
    const status = await put(session, 'bytes */*');
    expect([status.status, status.headers.get('range')]).toEqual([308, 'bytes=0-3']);
    const overlapping = await put(session, 'bytes 2-7/*', 'cdefgh');
    expect(overlapping.headers.get('range')).toBe('bytes=0-7');
    const last = await put(session, 'bytes 8-9/10', 'ij');
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({
      name: 'wire/resumable',
      size: '10',
      contentType: 'text/plain',
    });
    const after = await put(session, 'bytes */10');
    expect(after.status).toBe(200);
    const body = await fetch(`${api()}/o/${encodeURIComponent('wire/resumable')}?alt=media`);
    expect(await body.text()).toBe('abcdefghij');
  });

  it('lets only one of two finishing create-only resumable sessions land', async () => {
    const name = 'wire/racing-sessions';
    const sessions = [
      await startSession(name, '&ifGenerationMatch=0'),
      await startSession(name, '&ifGenerationMatch=0'),
    ];
    const results = await Promise.all(sessions.map((s, i) => put(s, 'bytes 0-0/1', String(i))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
  });

  it('sends the headers the client checks downloads with, and byte ranges', async () => {
    await fetch(`${upload()}?uploadType=media&name=wire%2Fheaders`, { method: 'POST', body: '123456789' });
    const whole = await fetch(`${api()}/o/wire%2Fheaders?alt=media`);
    expect(whole.headers.get('x-goog-hash')).toBe(`crc32c=${CHECK_CRC32C},md5=${CHECK_MD5}`);
    expect(whole.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    expect(whole.headers.get('x-goog-stored-content-length')).toBe('9');
    expect(Number(whole.headers.get('x-goog-generation'))).toBeGreaterThan(0);
    expect(whole.headers.get('x-goog-metageneration')).toBe('1');
    const part = await fetch(`${api()}/o/wire%2Fheaders?alt=media`, { headers: { range: 'bytes=3-5' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([
      206,
      'bytes 3-5/9',
      '456',
    ]);
    const beyond = await fetch(`${api()}/o/wire%2Fheaders?alt=media`, { headers: { range: 'bytes=20-' } });
    expect(beyond.status).toBe(416);
  });

  it('decompresses a gzip-encoded object for a client that does not accept gzip', async () => {
    const text = 'price,qty\n'.repeat(100);
    await fetch(`${upload()}?uploadType=media&name=wire%2Fgz&contentEncoding=gzip`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: gzipSync(text),
    });
    const plain = await fetch(`${api()}/o/wire%2Fgz?alt=media`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('x-goog-stored-content-encoding')).toBe('gzip');
    expect(await plain.text()).toBe(text);
    const stored = await fetch(`${api()}/o/wire%2Fgz?alt=media`, { headers: { 'accept-encoding': 'gzip' } });
    expect(stored.headers.get('content-encoding')).toBe('gzip');
  });

  it('serves the media link it hands out', async () => {
    const created = await fetch(`${upload()}?uploadType=media&name=wire%2Flinked`, {
      method: 'POST',
      body: 'linked',
    });
    const { mediaLink } = (await created.json()) as { mediaLink: string };
    expect(await (await fetch(mediaLink)).text()).toBe('linked');
  });

  it('serves a client configured through STORAGE_EMULATOR_HOST (paths without /storage/v1)', async () => {
    const storage = clientViaEmulatorVariable(suite.target.endpoint, suite.target.projectId);
    const bucket = storage.bucket(suite.bucketName);
    await bucket.file('emulator-host/simple').save('one', { resumable: false });
    await bucket.file('emulator-host/resumable').save('two', { resumable: true });
    const [files] = await bucket.getFiles({ prefix: 'emulator-host/' });
    expect(files.map((f) => f.name)).toEqual(['emulator-host/resumable', 'emulator-host/simple']);
    expect((await bucket.file('emulator-host/resumable').download())[0].toString()).toBe('two');
    await bucket.file('emulator-host/simple').delete();
  });
});

describe.skipIf(external)('Cloud Storage stand-in refusals', () => {
  it('answers what it does not implement with 501 naming it', async () => {
    const file = suite.bucket.file('refused/x');
    await file.save('x', { resumable: false });
    const refusals = [
      file.makePublic(),
      suite.bucket.iam.getPolicy(),
      suite.bucket.combine(['refused/x'], 'refused/combined'),
      suite.bucket.getFiles({ versions: true }),
    ];
    for (const refusal of refusals) {
      const err = (await failureOf(refusal)) as Error;
      expect(statusOf(err)).toBe(501);
      expect(err.message).toMatch(/not implemented by the local Cloud Storage stand-in/);
    }
    const xml = await fetch(`${suite.target.endpoint}/${suite.bucketName}/refused/x`);
    expect(xml.status).toBe(501);
    expect((await xml.json()) as object).toMatchObject({
      error: { message: expect.stringMatching(/XML API/) },
    });
  });

  it('forgets a cancelled resumable session', async () => {
    const session = await startSession('refused/cancelled');
    expect((await fetch(session, { method: 'DELETE' })).status).toBe(499);
    expect((await put(session, 'bytes */*')).status).toBe(404);
  });
});
