/**
 * One spool per directory, enforced by a lock file holding the owner's pid and a per-instance id.
 * The lock is stale, and taken over with a warning, when its pid is not running, or when it is this
 * process's pid but the instance is no longer open here (a Spool dropped without close, which is how
 * tests simulate a crash). A lock left by a dead process whose pid was since reused by an unrelated
 * process looks live: remove the file by hand in that case.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError, SpoolError } from './errors.js';

export const LOCK_FILE = 'spool.lock';

/** Instances holding a lock in this process. */
const liveInstances = new Set<string>();

interface LockContent {
  readonly pid: number;
  readonly instance: string;
  readonly createdAt: string;
}

export interface SpoolLock {
  readonly path: string;
  /** Removes the lock file. */
  release(): Promise<void>;
  /** Leaves the file in place but marks this instance gone, so the lock reads as stale. */
  abandon(): void;
}

export type Warn = (message: string, details: object) => void;

export async function acquireLock(dir: string, warn: Warn): Promise<SpoolLock> {
  const path = join(dir, LOCK_FILE);
  const content: LockContent = {
    pid: process.pid,
    instance: randomUUID(),
    createdAt: new Date().toISOString(),
  };
  if (!(await tryCreate(path, content))) {
    const holder = await readHolder(path);
    if (holder !== undefined && isAlive(holder)) {
      throw new SpoolError(
        'LOCKED',
        `spool directory ${dir} is already open (pid ${holder.pid}, lock ${path})`,
      );
    }
    warn('spool lock is stale; taking it over', {
      dir,
      lockFile: path,
      previousOwner: holder ?? 'unreadable',
    });
    await rm(path, { force: true });
    if (!(await tryCreate(path, content))) {
      throw new SpoolError('LOCKED', `spool directory ${dir} was locked by another process while opening`);
    }
  }
  liveInstances.add(content.instance);
  return {
    path,
    release: async () => {
      liveInstances.delete(content.instance);
      const holder = await readHolder(path);
      if (holder?.instance === content.instance) await rm(path, { force: true });
    },
    abandon: () => {
      liveInstances.delete(content.instance);
    },
  };
}

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  try {
    await writeFile(path, `${JSON.stringify(content)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(`cannot create lock file ${path}`, err);
  }
}

async function readHolder(path: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.instance === 'string') return parsed as LockContent;
    return undefined;
  } catch {
    // A lock file cut short by a crash while it was being written cannot name a live owner.
    return undefined;
  }
}

function isAlive(holder: LockContent): boolean {
  if (holder.pid === process.pid) return liveInstances.has(holder.instance);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
