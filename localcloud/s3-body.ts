/**
 * Write bodies received whole before s3rver sees a byte. s3rver writes an object file in place
 * while the body streams in, so a cut connection (the fault layer's "down" cuts them on purpose)
 * would leave a truncated object. On the way in, aws-chunked framing is undone and the checksums
 * the client declared are verified, as S3 does and s3rver does not.
 */
import { createHash, type Hash } from 'node:crypto';
import type http from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { type StagedBody, stageBody } from './proxy.js';
import { AwsChunkedDecoder } from './s3-aws-chunked.js';
import { S3StandInError } from './s3-errors.js';
import { header } from './s3-request.js';

const CHECKED = ['crc32', 'sha1', 'sha256'] as const;
type Algorithm = (typeof CHECKED)[number] | 'md5';

/** A write's body received whole, aws-chunked framing undone and declared checksums verified. */
export async function stageObjectBody(
  req: http.IncomingMessage,
  stagingDir: string,
): Promise<StagedBody & { headers: Record<string, string | undefined> }> {
  const decoder = isAwsChunked(req) ? new AwsChunkedDecoder() : undefined;
  const digests = new Digests(wantedAlgorithms(req));
  const staged = await stageBody(req, stagingDir, decoder === undefined ? [digests] : [decoder, digests]);
  try {
    checkBody(req, staged.size, digests, decoder?.trailers);
  } catch (err) {
    await staged.dispose();
    throw err;
  }
  const headers =
    decoder === undefined ? { 'content-length': String(staged.size) } : decodedHeaders(req, staged.size);
  return { ...staged, headers };
}

function isAwsChunked(req: http.IncomingMessage): boolean {
  const encoding = header(req, 'content-encoding') ?? '';
  const sha = header(req, 'x-amz-content-sha256') ?? '';
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/** The headers s3rver should see for the decoded body: plain length, no chunked framing. */
function decodedHeaders(req: http.IncomingMessage, size: number): Record<string, string | undefined> {
  const encodings = (header(req, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  return {
    'content-length': String(size),
    'content-encoding': encodings.length === 0 ? undefined : encodings.join(','),
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-amz-decoded-content-length': undefined,
    'x-amz-trailer': undefined,
  };
}

function wantedAlgorithms(req: http.IncomingMessage): Set<Algorithm> {
  const trailer = (header(req, 'x-amz-trailer') ?? '').toLowerCase();
  const wanted = new Set<Algorithm>();
  for (const algorithm of CHECKED) {
    const name = `x-amz-checksum-${algorithm}`;
    if (req.headers[name] !== undefined || trailer.includes(name)) wanted.add(algorithm);
  }
  if (req.headers['content-md5'] !== undefined) wanted.add('md5');
  return wanted;
}

/** Checks the received body against the length and checksums the client declared. */
function checkBody(
  req: http.IncomingMessage,
  size: number,
  digests: Digests,
  trailers: ReadonlyMap<string, string> | undefined,
): void {
  const declared = header(req, 'x-amz-decoded-content-length');
  if (trailers !== undefined && declared !== undefined && Number(declared) !== size) {
    throw new S3StandInError('IncompleteBody', `The body held ${size} bytes, not the ${declared} declared.`);
  }
  for (const algorithm of digests.algorithms) {
    const name = algorithm === 'md5' ? 'content-md5' : `x-amz-checksum-${algorithm}`;
    const expected = header(req, name) ?? trailers?.get(name);
    if (expected !== undefined && expected !== digests.base64(algorithm)) {
      const label = algorithm === 'md5' ? 'Content-MD5' : algorithm.toUpperCase();
      throw new S3StandInError(
        'BadDigest',
        `The ${label} you specified did not match the calculated checksum.`,
      );
    }
  }
}

/** Passes bytes through while computing the checksums the client declared. */
class Digests extends Transform {
  private crc = 0;
  private readonly hashes = new Map<Algorithm, Hash>();

  constructor(readonly algorithms: ReadonlySet<Algorithm>) {
    super();
    for (const algorithm of algorithms)
      if (algorithm !== 'crc32') this.hashes.set(algorithm, createHash(algorithm));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.algorithms.has('crc32')) this.crc = crc32(chunk, this.crc);
    for (const hash of this.hashes.values()) hash.update(chunk);
    callback(null, chunk);
  }

  base64(algorithm: Algorithm): string {
    if (algorithm !== 'crc32') return this.hashes.get(algorithm)!.copy().digest('base64');
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.crc >>> 0);
    return bytes.toString('base64');
  }
}
