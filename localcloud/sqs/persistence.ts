/**
 * Keeps queues and messages across restarts: a JSON snapshot of everything, written whole to a
 * temporary file and renamed over the old one (so a crash leaves the old or the new, never half),
 * at most once per debounce interval after changes, and once more on close.
 *
 * Hidden messages keep their reappearance time, so a message in flight at shutdown becomes visible
 * again once its visibility timeout has passed, and its latest receipt handle still deletes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqsStoreError } from './errors.js';
import { CONTENT_FIELDS, StoredMessage } from './message.js';
import type { SqsQueue } from './queue.js';
import { QueueSettings } from './queue-settings.js';
import type { QueueRegistry } from './registry.js';

const FILE_NAME = 'queues.json';
const FORMAT = 1;

interface SavedQueue {
  readonly name: string;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messages: readonly SavedMessage[];
}

/** What a snapshot keeps of a message besides its content, which is enough to restore it. */
const BOOKKEEPING_FIELDS = [
  'deadLetterSourceArn',
  'receiveCount',
  'firstReceivedAt',
  'receivedAt',
  'visibleAt',
  'state',
  'handle',
] as const;

// A key JSON left out (an undefined value) reads back as undefined, as it was saved.
type SavedMessage = Pick<
  StoredMessage,
  (typeof CONTENT_FIELDS)[number] | (typeof BOOKKEEPING_FIELDS)[number]
>;

export class SnapshotStore {
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly registry: QueueRegistry,
    private readonly debounceMs = 100,
  ) {
    this.file = join(dir, FILE_NAME);
  }

  /** Reads the snapshot into the registry; nothing to do when there is none yet. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let saved: { format?: unknown; queues?: SavedQueue[] };
    try {
      saved = JSON.parse(text) as typeof saved;
    } catch (err) {
      throw new SqsStoreError(`${this.file} is not valid JSON: ${(err as Error).message}`);
    }
    if (saved.format !== FORMAT || !Array.isArray(saved.queues)) {
      throw new SqsStoreError(`${this.file} is not an SQS snapshot of format ${FORMAT}`);
    }
    for (const queue of saved.queues) this.restoreQueue(queue);
  }

  /** Notes a change; the snapshot follows within the debounce interval. */
  changed(): void {
    this.dirty = true;
    if (this.timer !== undefined || this.writing !== undefined || this.closed) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  /** Writes the last snapshot and stops. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.write();
  }

  private flush(): void {
    this.timer = undefined;
    this.writing = this.write()
      .catch((err: unknown) => console.error(`SQS stand-in: snapshot not saved: ${(err as Error).message}`))
      .finally(() => {
        this.writing = undefined;
        if (this.dirty && !this.closed) this.changed();
      });
  }

  private async write(): Promise<void> {
    this.dirty = false;
    const text = JSON.stringify({ format: FORMAT, queues: [...this.registry.all()].map(saveQueue) });
    await mkdir(this.dir, { recursive: true });
    // Unique per write: another process, or a second start on the same folder, may be writing too.
    const temporary = `${this.file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, this.file);
  }

  private restoreQueue(saved: SavedQueue): void {
    const settings = new QueueSettings(new Map(Object.entries(saved.attributes)));
    const queue = this.registry.create(saved.name, settings, saved.createdAt);
    queue.modifiedAt = saved.modifiedAt;
    for (const m of saved.messages) queue.restore(restoreMessage(m));
  }
}

function saveQueue(queue: SqsQueue): SavedQueue {
  return {
    name: queue.name,
    createdAt: queue.createdAt,
    modifiedAt: queue.modifiedAt,
    attributes: Object.fromEntries(queue.settings.entries()),
    messages: Array.from(queue.messages(), saveMessage),
  };
}

function saveMessage(m: StoredMessage): SavedMessage {
  return pick(m, [...CONTENT_FIELDS, ...BOOKKEEPING_FIELDS]);
}

function restoreMessage(saved: SavedMessage): StoredMessage {
  // The constructor reads only the sent content from `saved`; digests are computed afresh.
  const m = new StoredMessage(saved);
  Object.assign(m, pick(saved, BOOKKEEPING_FIELDS));
  return m;
}

/** The named fields of `source`, in the order named (which is the order JSON writes them in). */
function pick<T, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = source[key];
  return out;
}
