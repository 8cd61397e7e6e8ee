/**
 * The single write chain of a spool. Appends, segment rolls, syncs, ack-state saves and deletes run
 * one at a time in the order they were asked for, so a segment is always created before the one it
 * replaces is deleted. Appends that queue up behind a slow write go out together as one writev.
 * After a failed write or sync nothing more is written: what reached the disk is then unknown, and
 * reopening the spool (which cuts off any partial frame) is the way back.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { Deque } from '../../core/deque.js';
import { ioError, type SpoolError } from './errors.js';
import { segmentPath } from './segment-files.js';

const MAX_BATCH_RECORDS = 512; // two buffers per record, under the usual IOV_MAX of 1024
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

interface Pending {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}
type Op =
  | (Pending & { readonly kind: 'write'; readonly buffers: Buffer[]; readonly onWritten: () => void })
  | (Pending & { readonly kind: 'run'; readonly run: () => Promise<void> });

interface ActiveSegment {
  readonly handle: FileHandle;
  position: number;
  unsynced: boolean;
}

export class SegmentWriter {
  private readonly queue = new Deque<Op>();
  private draining: Promise<void> | undefined;
  private active: ActiveSegment | undefined;
  private failure: SpoolError | undefined;
  private syncing: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  /** Appends `buffers` to the open segment; `onWritten` runs, in queue order, once they are written. */
  write(buffers: Buffer[], onWritten: () => void): Promise<void> {
    return this.enqueue((pending) => ({ ...pending, kind: 'write', buffers, onWritten }));
  }

  /** Syncs and closes the open segment, then creates `firstSeq`'s file as the one appends go to. */
  activate(firstSeq: number): Promise<void> {
    return this.run(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await this.closeActive(true);
        const handle = await open(segmentPath(this.dir, firstSeq), 'w');
        this.active = { handle, position: 0, unsynced: false };
        await syncDirectory(this.dir);
      } catch (err) {
        throw this.fail(`cannot start segment ${segmentPath(this.dir, firstSeq)}`, err);
      }
    });
  }

  /**
   * fsyncs the open segment if anything was written since the last sync; fails once the writer has.
   * It runs beside the chain, not in it: appends must not wait behind a slow disk flush (they would
   * hold up every batch), and a sync covers at least what was written before it began.
   */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const active = this.active;
    if (this.syncing !== undefined || active === undefined || !active.unsynced)
      return this.syncing ?? Promise.resolve();
    active.unsynced = false;
    this.syncing = active.handle
      .datasync()
      .catch((err: unknown) => {
        throw this.fail('cannot sync the open segment', err);
      })
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  /** Closes the open segment, syncing it first when `sync`. */
  close(sync: boolean): Promise<void> {
    return this.run(() => this.closeActive(sync && this.failure === undefined));
  }

  /** Runs `task` in turn with the writes. */
  run(task: () => Promise<void>): Promise<void> {
    return this.enqueue((pending) => ({ ...pending, kind: 'run', run: task }));
  }

  private enqueue(make: (pending: Pending) => Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    for (let op = this.queue.peek(); op !== undefined; op = this.queue.peek()) {
      if (op.kind === 'write') {
        await this.writeBatch(this.takeBatch());
        continue;
      }
      this.queue.shift();
      await Promise.resolve().then(op.run).then(op.resolve, op.reject);
    }
    this.draining = undefined;
  }

  private takeBatch(): (Op & { kind: 'write' })[] {
    const batch: (Op & { kind: 'write' })[] = [];
    let bytes = 0;
    for (let op = this.queue.peek(); op?.kind === 'write'; op = this.queue.peek()) {
      if (batch.length >= MAX_BATCH_RECORDS || (batch.length > 0 && bytes >= MAX_BATCH_BYTES)) break;
      this.queue.shift();
      batch.push(op);
      for (const buffer of op.buffers) bytes += buffer.length;
    }
    return batch;
  }

  private async writeBatch(batch: readonly (Op & { kind: 'write' })[]): Promise<void> {
    try {
      const active = this.active;
      if (this.failure !== undefined) throw this.failure;
      if (active === undefined) throw new Error('no segment is open for writing');
      const buffers = batch.flatMap((op) => op.buffers);
      active.position = await writeFully(active.handle, buffers, active.position);
      active.unsynced = true;
    } catch (err) {
      const failure = this.fail('cannot append to the open segment', err);
      for (const op of batch) op.reject(failure);
      return;
    }
    for (const op of batch) {
      op.onWritten();
      op.resolve();
    }
  }

  private async closeActive(sync: boolean): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (active === undefined) return;
    try {
      await this.syncing?.catch(() => undefined);
      if (sync && active.unsynced) await active.handle.datasync();
    } finally {
      await active.handle.close();
    }
  }

  private fail(what: string, err: unknown): SpoolError {
    this.failure ??= ioError(what, err);
    return this.failure;
  }
}

/** Writes every byte of `buffers` at `position`, resuming after short writes; returns the end position. */
async function writeFully(handle: FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, position);
    if (bytesWritten === 0) throw new Error('write made no progress');
    position += bytesWritten;
    rest = skipBytes(rest, bytesWritten);
  }
  return position;
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && count >= buffers[i]!.length) count -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (rest.length > 0 && count > 0) rest[0] = rest[0]!.subarray(count);
  return rest;
}

/** Makes a created or deleted file name durable; some file systems cannot sync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
}
