/**
 * Buckets and objects on disk under `${dataDir}/gcs`, so they survive restarts:
 *
 *   buckets/{bucket}/bucket.json                  the bucket's record
 *   buckets/{bucket}/objects/{generation}.data    an object's bytes
 *   buckets/{bucket}/objects/{generation}.json    its record (the name is inside)
 *   staging/                                      uploads in progress, emptied at start
 *
 * Every file is written under a temporary name and renamed into place, so a crash leaves the old
 * or the new file, never half of one. An object's body lands before its record and its record
 * goes before its body, so a record always has its body; what a crash leaves over (a body without
 * a record, an older generation's record) is cleared up at the next start.
 */
import { randomBytes } from 'node:crypto';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { type Backend, BodyGoneError, type BodySource, type SavedState, StagedBody } from './backend.js';
import { GcsError, GcsStoreError } from './errors.js';
import type { BucketRecord, ObjectRecord } from './model.js';

/** Small reads come back whole: one buffer is cheaper than a stream for the common small object. */
const WHOLE_READ_LIMIT = 64 * 1024;

class FileStagedBody extends StagedBody {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {
    super();
  }

  protected async keep(chunk: Buffer): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      written += (await this.handle.write(chunk, written)).bytesWritten;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  async discard(): Promise<void> {
    await this.close().catch(() => {});
    await rm(this.path, { force: true });
  }
}

export class DiskBackend implements Backend {
  private readonly staging: string;
  private readonly bucketsDir: string;

  constructor(root: string) {
    this.staging = join(root, 'staging');
    this.bucketsDir = join(root, 'buckets');
  }

  async load(): Promise<SavedState> {
    await rm(this.staging, { recursive: true, force: true });
    await mkdir(this.staging, { recursive: true });
    await mkdir(this.bucketsDir, { recursive: true });
    const buckets: BucketRecord[] = [];
    const objects: ObjectRecord[] = [];
    for (const name of await readdir(this.bucketsDir)) {
      const bucket = await readJson<BucketRecord>(join(this.bucketsDir, name, 'bucket.json'));
      if (bucket === undefined) {
        // A bucket whose creation never finished.
        await rm(join(this.bucketsDir, name), { recursive: true, force: true });
        continue;
      }
      buckets.push(bucket);
      objects.push(...(await this.loadObjects(name)));
    }
    return { buckets, objects };
  }

  async stage(): Promise<StagedBody> {
    const path = join(this.staging, randomBytes(12).toString('hex'));
    return new FileStagedBody(path, await open(path, 'wx'));
  }

  async commitObject(staged: StagedBody, record: ObjectRecord, replaced: ObjectRecord | undefined) {
    if (!(staged instanceof FileStagedBody))
      throw new GcsError('internalError', 'A staged body of another backend.');
    await staged.close();
    await rename(staged.path, this.bodyPath(record));
    await this.saveObject(record);
    if (replaced !== undefined) await this.removeObject(replaced);
  }

  saveObject(record: ObjectRecord): Promise<void> {
    return writeAtomically(this.recordPath(record), JSON.stringify(record));
  }

  async removeObject(record: ObjectRecord): Promise<void> {
    await rm(this.recordPath(record), { force: true });
    await rm(this.bodyPath(record), { force: true });
  }

  async openBody(record: ObjectRecord, start: number, end: number): Promise<BodySource> {
    let handle: FileHandle;
    try {
      handle = await open(this.bodyPath(record), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BodyGoneError(record);
      throw err;
    }
    const length = end - start + 1;
    if (length > WHOLE_READ_LIMIT) return handle.createReadStream({ start, end });
    try {
      const buffer = Buffer.alloc(Math.max(length, 0));
      if (length > 0) await handle.read(buffer, 0, length, start);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async saveBucket(record: BucketRecord): Promise<void> {
    await mkdir(this.objectsDir(record.name), { recursive: true });
    await writeAtomically(join(this.bucketsDir, record.name, 'bucket.json'), JSON.stringify(record));
  }

  async removeBucket(name: string): Promise<void> {
    // The record first: a crash half-way leaves a folder the next start clears, not a bucket.
    await rm(join(this.bucketsDir, name, 'bucket.json'), { force: true });
    await rm(join(this.bucketsDir, name), { recursive: true, force: true });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async loadObjects(bucket: string): Promise<ObjectRecord[]> {
    const dir = this.objectsDir(bucket);
    await mkdir(dir, { recursive: true });
    const files = await readdir(dir);
    const newest = new Map<string, ObjectRecord>();
    const stale: ObjectRecord[] = [];
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      const record = await readJson<ObjectRecord>(join(dir, file));
      if (record === undefined) continue;
      const other = newest.get(record.name);
      if (other !== undefined && other.generation > record.generation) stale.push(record);
      else {
        if (other !== undefined) stale.push(other);
        newest.set(record.name, record);
      }
    }
    for (const record of stale) await this.removeObject(record);
    const kept = new Set([...newest.values()].map((r) => `${r.generation}.data`));
    for (const file of files) {
      const leftOver = file.endsWith('.tmp') || (file.endsWith('.data') && !kept.has(file));
      if (leftOver) await rm(join(dir, file), { force: true });
    }
    for (const record of newest.values()) await this.checkBody(record);
    return [...newest.values()];
  }

  private async checkBody(record: ObjectRecord): Promise<void> {
    const size = await stat(this.bodyPath(record)).then(
      (s) => s.size,
      () => undefined,
    );
    if (size !== record.size) {
      throw new GcsStoreError(
        `${this.bodyPath(record)} should hold the ${record.size} bytes of ${record.bucket}/${record.name}, ` +
          `but ${size === undefined ? 'it is missing' : `it has ${size}`}`,
      );
    }
  }

  private objectsDir(bucket: string): string {
    return join(this.bucketsDir, bucket, 'objects');
  }

  private bodyPath(record: ObjectRecord): string {
    return join(this.objectsDir(record.bucket), `${record.generation}.data`);
  }

  private recordPath(record: ObjectRecord): string {
    return join(this.objectsDir(record.bucket), `${record.generation}.json`);
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GcsStoreError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  // Unique per write: two writers of one file must not share a temporary.
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
