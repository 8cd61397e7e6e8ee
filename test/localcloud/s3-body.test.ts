/**
 * Write bodies at the wire level, below what the SDK lets a test send: aws-chunked framing and its
 * trailing checksum, malformed framing, and a connection cut mid-body. Raw requests go unsigned,
 * which s3rver serves, so these run against the local stand-in only.
 */
import http from 'node:http';
import { NoSuchKey } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { external } from './aws-target.js';
import { rejectionOf, s3Suite } from './s3-target.js';

const suite = s3Suite();
const { bucket, put, read } = suite;

describe.skipIf(external)('S3 stand-in protocol gaps it closes', () => {
  /** A raw request to the stand-in, unsigned: s3rver serves anonymous requests. */
  function raw(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body?: string | Buffer,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${suite.target.endpoint}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  function awsChunked(parts: string[], trailer: string): string {
    return `${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n${trailer}\r\n\r\n`;
  }

  const chunkedHeaders = (decodedLength: number) => ({
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-decoded-content-length': String(decodedLength),
    'x-amz-trailer': 'x-amz-checksum-crc32',
  });

  it('decodes an aws-chunked body and checks its trailing CRC32', async () => {
    const good = awsChunked(['hello ', 'world'], 'x-amz-checksum-crc32:DUoRhQ==');
    expect((await raw('PUT', `/${bucket}/raw/chunked`, chunkedHeaders(11), good)).status).toBe(200);
    expect((await read('raw/chunked')).toString()).toBe('hello world');

    const bad = awsChunked(['hello ', 'world'], 'x-amz-checksum-crc32:AAAAAA==');
    const refused = await raw('PUT', `/${bucket}/raw/bad-digest`, chunkedHeaders(11), bad);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>BadDigest</Code>');
    expect(await rejectionOf(read('raw/bad-digest'))).toBeInstanceOf(NoSuchKey);
  });

  it('refuses malformed aws-chunked framing with IncompleteBody', async () => {
    const truncated = '6\r\nhello \r\n5\r\nwor';
    const refused = await raw('PUT', `/${bucket}/raw/truncated`, chunkedHeaders(11), truncated);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('keeps the previous object when an upload is cut off mid-body', async () => {
    await put({ Key: 'raw/cut', Body: 'complete' });
    await new Promise<void>((resolve) => {
      const req = http.request(`${suite.target.endpoint}/${bucket}/raw/cut`, {
        method: 'PUT',
        headers: { 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('partial');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await read('raw/cut')).toString()).toBe('complete');
  });
});
