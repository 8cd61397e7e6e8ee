/**
 * The buckets and objects of the stand-in, over a backend (memory or disk). Every change to an
 * object runs inside that object's lock, where its preconditions are checked against the live
 * generation and the new state lands, so racing writers are ordered and each sees the previous
 * one's result.
 *
 * Only the live generation of an object is kept, as in a bucket without versioning.
 */
import type { Backend, BodySource, StagedBody } from './backend.js';
import { bucketNotFound, GcsError, objectNotFound } from './errors.js';
import { KeyedLock } from './lock.js';
import { type BucketRecord, checkBucketName, type ObjectRecord, type WritableFields } from './model.js';
import { compareNames } from './names.js';
import { checkWrite, type Preconditions } from './preconditions.js';

interface BucketState {
  record: BucketRecord;
  readonly objects: Map<string, ObjectRecord>;
  /** Writes inside their lock that have not landed yet: the bucket is not empty while they run. */
  pending: number;
  /** The names in list order, rebuilt after a name comes or goes. */
  sorted: string[] | undefined;
}

/** Which object a request is about; `generation` pins one generation, as the query parameter does. */
export interface ObjectRef {
  readonly bucket: string;
  readonly name: string;
  readonly generation?: number;
}

export class GcsStore {
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new KeyedLock();
  private lastGeneration = 0;

  constructor(readonly backend: Backend) {}

  async load(): Promise<void> {
    const saved = await this.backend.load();
    for (const record of saved.buckets) {
      this.buckets.set(record.name, { record, objects: new Map(), pending: 0, sorted: undefined });
    }
    for (const record of saved.objects) {
      this.buckets.get(record.bucket)?.objects.set(record.name, record);
      this.lastGeneration = Math.max(this.lastGeneration, record.generation);
    }
  }

  /** Generations are microseconds since the epoch, as the service's are, and strictly increasing. */
  nextGeneration(): number {
    this.lastGeneration = Math.max(Date.now() * 1000, this.lastGeneration + 1);
    return this.lastGeneration;
  }

  async createBucket(record: BucketRecord): Promise<BucketRecord> {
    checkBucketName(record.name);
    if (this.buckets.has(record.name)) {
      throw new GcsError('conflict', `The bucket ${record.name} already exists.`);
    }
    // Claimed before the save, so a second create of the name racing this one gets its 409.
    this.buckets.set(record.name, { record, objects: new Map(), pending: 1, sorted: undefined });
    try {
      await this.backend.saveBucket(record);
    } catch (err) {
      this.buckets.delete(record.name);
      throw err;
    }
    this.state(record.name).pending--;
    return record;
  }

  bucket(name: string): BucketRecord {
    return this.state(name).record;
  }

  bucketsOf(project: string | undefined): BucketRecord[] {
    const all = [...this.buckets.values()].map((s) => s.record);
    return all
      .filter((b) => project === undefined || b.project === project)
      .sort((a, b) => compareNames(a.name, b.name));
  }

  updateBucket(name: string, change: (current: BucketRecord) => BucketRecord): Promise<BucketRecord> {
    return this.locks.run(`bucket:${name}`, async () => {
      const state = this.state(name);
      const next = change(state.record);
      await this.backend.saveBucket(next);
      state.record = next;
      return next;
    });
  }

  async deleteBucket(name: string, check: (current: BucketRecord) => void): Promise<void> {
    const state = this.state(name);
    check(state.record);
    if (state.objects.size > 0 || state.pending > 0) {
      throw new GcsError('conflict', `The bucket ${name} is not empty.`);
    }
    this.buckets.delete(name);
    await this.backend.removeBucket(name);
  }

  /** The live object, or 404; with a generation, that generation or 404. */
  object(ref: ObjectRef): ObjectRecord {
    const record = this.state(ref.bucket).objects.get(ref.name);
    if (record === undefined || (ref.generation !== undefined && ref.generation !== record.generation)) {
      throw objectNotFound(ref.bucket, ref.name);
    }
    return record;
  }

  /** The live object, or undefined; 404 only when the bucket is missing. */
  find(ref: ObjectRef): ObjectRecord | undefined {
    return this.state(ref.bucket).objects.get(ref.name);
  }

  /** The names of a bucket's objects in list order, and how to find an object by name. */
  listing(bucket: string): { names: readonly string[]; get: (name: string) => ObjectRecord | undefined } {
    const state = this.state(bucket);
    state.sorted ??= [...state.objects.keys()].sort(compareNames);
    return { names: state.sorted, get: (name) => state.objects.get(name) };
  }

  /**
   * Makes `staged` the new live generation of an object if the preconditions hold against the
   * current one. The staged body is consumed either way.
   */
  writeObject(
    staged: StagedBody,
    ref: ObjectRef,
    fields: WritableFields,
    conditions: Preconditions,
  ): Promise<ObjectRecord> {
    const section = async () => {
      const state = this.state(ref.bucket);
      const current = state.objects.get(ref.name);
      checkWrite(conditions, current);
      const now = new Date().toISOString();
      const record: ObjectRecord = {
        ...fields,
        bucket: ref.bucket,
        name: ref.name,
        generation: this.nextGeneration(),
        metageneration: 1,
        size: staged.size,
        ...staged.digests(),
        timeCreated: now,
        updated: now,
      };
      state.pending++;
      try {
        await this.backend.commitObject(staged, record, current);
      } finally {
        state.pending--;
      }
      if (current === undefined) state.sorted = undefined;
      state.objects.set(ref.name, record);
      return record;
    };
    return this.locks.run(objectKey(ref), section).catch(async (err: unknown) => {
      await staged.discard().catch(() => {});
      throw err;
    });
  }

  /** Changes an object's metadata: a new metageneration of the same generation. */
  patchObject(ref: ObjectRef, conditions: Preconditions, patch: (current: ObjectRecord) => WritableFields) {
    return this.locks.run(objectKey(ref), async () => {
      const current = this.object(ref);
      checkWrite(conditions, current);
      const record: ObjectRecord = {
        ...patch(current),
        bucket: current.bucket,
        name: current.name,
        generation: current.generation,
        metageneration: current.metageneration + 1,
        size: current.size,
        md5Hash: current.md5Hash,
        crc32c: current.crc32c,
        timeCreated: current.timeCreated,
        updated: new Date().toISOString(),
      };
      await this.backend.saveObject(record);
      this.state(ref.bucket).objects.set(ref.name, record);
      return record;
    });
  }

  deleteObject(ref: ObjectRef, conditions: Preconditions): Promise<void> {
    return this.locks.run(objectKey(ref), async () => {
      const current = this.object(ref);
      checkWrite(conditions, current);
      const state = this.state(ref.bucket);
      state.objects.delete(ref.name);
      state.sorted = undefined;
      await this.backend.removeObject(current);
    });
  }

  openBody(record: ObjectRecord, start: number, end: number): Promise<BodySource> {
    return this.backend.openBody(record, start, end);
  }

  stage(): Promise<StagedBody> {
    return this.backend.stage();
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private state(bucket: string): BucketState {
    const state = this.buckets.get(bucket);
    if (state === undefined) throw bucketNotFound(bucket);
    return state;
  }
}

function objectKey(ref: ObjectRef): string {
  return `${ref.bucket}/${ref.name}`;
}
