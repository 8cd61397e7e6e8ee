/**
 * Where buckets and object bodies live: in memory (this file) or on disk (disk.ts), behind one
 * interface so the store above is the same for both. An upload's bytes first go to a staged body,
 * which hashes them on the way in; committing hands the staged body over as a new generation.
 *
 * Bodies are keyed by generation, which is unique across the whole stand-in.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32cBase64, crc32cUpdate } from './crc32c.js';
import { GcsError } from './errors.js';
import type { BucketRecord, ObjectRecord } from './model.js';

export interface SavedState {
  readonly buckets: readonly BucketRecord[];
  readonly objects: readonly ObjectRecord[];
}

export interface Digests {
  readonly md5Hash: string;
  readonly crc32c: string;
}

/** The bytes of one upload on their way in, with their size and hashes so far. */
export abstract class StagedBody {
  private readonly md5: Hash = createHash('md5');
  private crc = 0;
  private digested: Digests | undefined;
  size = 0;

  async write(chunk: Buffer): Promise<void> {
    if (this.digested !== undefined)
      throw new GcsError('internalError', 'The staged body is already complete.');
    this.md5.update(chunk);
    this.crc = crc32cUpdate(this.crc, chunk);
    this.size += chunk.length;
    await this.keep(chunk);
  }

  /** The hashes of everything written; no more writes after this. */
  digests(): Digests {
    this.digested ??= { md5Hash: this.md5.digest('base64'), crc32c: crc32cBase64(this.crc) };
    return this.digested;
  }

  protected abstract keep(chunk: Buffer): Promise<void>;
  abstract discard(): Promise<void>;
}

/** The generation was replaced or deleted between looking it up and opening its body. */
export class BodyGoneError extends Error {
  readonly code = 'BODY_GONE';

  constructor(record: ObjectRecord) {
    super(`generation ${record.generation} of ${record.bucket}/${record.name} is gone`);
    this.name = 'BodyGoneError';
  }
}

/** A body to send: whole in memory, or a stream over a part of a file. */
export type BodySource = Buffer | NodeJS.ReadableStream;

export interface Backend {
  load(): Promise<SavedState>;
  stage(): Promise<StagedBody>;
  /** Makes `staged` the body of `record` and keeps the record; `replaced`'s body is dropped. */
  commitObject(staged: StagedBody, record: ObjectRecord, replaced: ObjectRecord | undefined): Promise<void>;
  /** Keeps a record whose metadata changed; the body stays. */
  saveObject(record: ObjectRecord): Promise<void>;
  removeObject(record: ObjectRecord): Promise<void>;
  /** Bytes `start` to `end` inclusive of an object's body. */
  openBody(record: ObjectRecord, start: number, end: number): Promise<BodySource>;
  saveBucket(record: BucketRecord): Promise<void>;
  /** Drops an empty bucket. */
  removeBucket(name: string): Promise<void>;
  close(): Promise<void>;
}

class MemoryStagedBody extends StagedBody {
  chunks: Buffer[] = [];

  protected keep(chunk: Buffer): Promise<void> {
    this.chunks.push(chunk);
    return Promise.resolve();
  }

  discard(): Promise<void> {
    this.chunks = [];
    return Promise.resolve();
  }

  content(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }
}

/** Everything in memory: gone when the stand-in stops. */
export class MemoryBackend implements Backend {
  private readonly bodies = new Map<number, Buffer>();

  load(): Promise<SavedState> {
    return Promise.resolve({ buckets: [], objects: [] });
  }

  stage(): Promise<StagedBody> {
    return Promise.resolve(new MemoryStagedBody());
  }

  commitObject(staged: StagedBody, record: ObjectRecord, replaced: ObjectRecord | undefined): Promise<void> {
    if (!(staged instanceof MemoryStagedBody))
      throw new GcsError('internalError', 'A staged body of another backend.');
    this.bodies.set(record.generation, staged.content());
    if (replaced !== undefined) this.bodies.delete(replaced.generation);
    return Promise.resolve();
  }

  saveObject(): Promise<void> {
    return Promise.resolve();
  }

  removeObject(record: ObjectRecord): Promise<void> {
    this.bodies.delete(record.generation);
    return Promise.resolve();
  }

  openBody(record: ObjectRecord, start: number, end: number): Promise<BodySource> {
    const body = this.bodies.get(record.generation);
    if (body === undefined) return Promise.reject(new BodyGoneError(record));
    return Promise.resolve(body.subarray(start, end + 1));
  }

  saveBucket(): Promise<void> {
    return Promise.resolve();
  }

  removeBucket(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.bodies.clear();
    return Promise.resolve();
  }
}
