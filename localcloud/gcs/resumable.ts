/**
 * Resumable uploads. A POST with `uploadType=resumable` and the object's metadata opens a session
 * and answers with its URI in `Location`; PUTs to that URI carry the bytes, each with a
 * `Content-Range: bytes first-last/total` (total `*` until the client knows it). Until the last
 * byte is in, the answer is 308 with `Range: bytes=0-n` saying what the stand-in holds; a PUT
 * with `bytes *\/total` only asks. The last byte lands the object (200 with its resource), with
 * the preconditions given when the session opened checked again at that moment.
 *
 * Bytes the stand-in already holds are skipped when a client sends them again, as after a failed
 * chunk. Sessions live in memory: a restart forgets them, and the client then starts over.
 */
import { randomBytes } from 'node:crypto';
import type { StagedBody } from './backend.js';
import { GcsError, invalid } from './errors.js';
import { KeyedLock } from './lock.js';
import { type ObjectRecord, parseUploadMetadata, type UploadMetadata } from './model.js';
import { checkWrite, type Preconditions, preconditionsFrom } from './preconditions.js';
import type { GcsStore } from './store.js';
import { commitUpload, objectName, refuseUnsupported } from './uploads.js';
import { objectResource, type Request, readJson, sendJson } from './wire.js';

/** Finished sessions answer status queries this long; idle unfinished ones are dropped after a day. */
const FINISHED_TTL_MS = 10 * 60_000;
const IDLE_TTL_MS = 24 * 3600_000;
const SWEEP_EVERY_MS = 10_000;
const CONTENT_RANGE = /^bytes (?:(\d+)-(-?\d+|\*)|\*)\/(\d+|\*)$/;

interface Session {
  readonly id: string;
  readonly bucket: string;
  readonly name: string;
  readonly metadata: UploadMetadata;
  readonly conditions: Preconditions;
  readonly declaredSize: number | undefined;
  staged: StagedBody | undefined;
  finished: ObjectRecord | undefined;
  failed: GcsError | undefined;
  touched: number;
}

/** One PUT's Content-Range: the bytes it carries (`last` undefined: to the end) and the total. */
interface Chunk {
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly total: number | undefined;
}

export class ResumableUploads {
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new KeyedLock();
  private lastSweep = Date.now();

  constructor(private readonly store: GcsStore) {}

  async start(r: Request, bucket: string): Promise<void> {
    refuseUnsupported(r.query);
    this.store.bucket(bucket);
    const metadata = parseUploadMetadata(await readJson(r.req));
    const name = objectName(r.query.get('name'), metadata.name);
    const conditions = preconditionsFrom(r.query);
    // Checked now as well as at the end, so a create-only upload of an existing name fails early.
    checkWrite(conditions, this.store.find({ bucket, name }));
    const contentType = headerText(r.req.headers['x-upload-content-type']);
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      bucket,
      name,
      metadata: {
        ...metadata,
        contentType: contentType || metadata.contentType || 'application/octet-stream',
      },
      conditions,
      declaredSize: declaredSize(headerText(r.req.headers['x-upload-content-length'])),
      staged: await this.store.stage(),
      finished: undefined,
      failed: undefined,
      touched: Date.now(),
    };
    this.sweep();
    this.sessions.set(session.id, session);
    const query = new URLSearchParams({ uploadType: 'resumable', name, upload_id: session.id });
    r.res.writeHead(200, {
      location: `${r.base}/upload/storage/v1/b/${bucket}/o?${query}`,
      'x-guploader-uploadid': session.id,
      'content-length': '0',
    });
    r.res.end();
  }

  put(r: Request): Promise<void> {
    const session = this.session(r);
    return this.locks.run(session.id, async () => {
      session.touched = Date.now();
      if (session.failed !== undefined) throw session.failed;
      if (session.finished !== undefined) {
        r.req.resume();
        sendJson(r.res, 200, objectResource(session.finished, r.base));
        return;
      }
      const chunk = parseContentRange(r.req.headers['content-range']);
      const staged = session.staged!;
      if (chunk.first !== undefined) await receive(r, staged, chunk.first);
      else r.req.resume();
      const complete =
        chunk.total !== undefined
          ? staged.size >= chunk.total
          : chunk.first !== undefined && chunk.last === undefined;
      if (chunk.total !== undefined && staged.size > chunk.total) {
        throw invalid(`The upload holds ${staged.size} bytes, more than the ${chunk.total} declared.`);
      }
      if (!complete) {
        const headers: Record<string, string> = { 'content-length': '0' };
        if (staged.size > 0) headers.range = `bytes=0-${staged.size - 1}`;
        r.res.writeHead(308, headers).end();
        return;
      }
      sendJson(r.res, 200, objectResource(await this.finish(session, r), r.base));
    });
  }

  async cancel(r: Request): Promise<void> {
    const session = this.session(r);
    this.sessions.delete(session.id);
    await session.staged?.discard();
    r.res.writeHead(499, { 'content-length': '0' }).end();
  }

  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((s) => s.staged?.discard()));
  }

  private async finish(session: Session, r: Request): Promise<ObjectRecord> {
    const staged = session.staged!;
    session.staged = undefined;
    try {
      if (session.declaredSize !== undefined && staged.size !== session.declaredSize) {
        await staged.discard();
        throw invalid(
          `The upload holds ${staged.size} bytes; X-Upload-Content-Length said ${session.declaredSize}.`,
        );
      }
      const target = { bucket: session.bucket, name: session.name };
      const hash = r.req.headers['x-goog-hash'];
      session.finished = await commitUpload(
        this.store,
        staged,
        target,
        session.metadata,
        session.conditions,
        hash,
      );
      return session.finished;
    } catch (err) {
      session.failed = err instanceof GcsError ? err : new GcsError('backendError', (err as Error).message);
      throw err;
    }
  }

  private session(r: Request): Session {
    const id = r.query.get('upload_id') ?? '';
    const session = this.sessions.get(id);
    if (session === undefined) throw new GcsError('notFound', `No upload session ${id}.`);
    return session;
  }

  /** Drops sessions nobody will ask about any more; at most every few seconds, as it visits them all. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const session of this.sessions.values()) {
      const ttl = session.staged === undefined ? FINISHED_TTL_MS : IDLE_TTL_MS;
      if (now - session.touched <= ttl) continue;
      this.sessions.delete(session.id);
      void session.staged?.discard().catch(() => {});
    }
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function declaredSize(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header.trim())) throw invalid(`Invalid X-Upload-Content-Length: ${header}`);
  return Number(header);
}

function parseContentRange(header: string | undefined): Chunk {
  // A PUT without Content-Range carries the whole object.
  if (header === undefined) return { first: 0, last: undefined, total: undefined };
  const match = CONTENT_RANGE.exec(header.trim());
  if (match === null) throw invalid(`Invalid Content-Range: ${header}`);
  const [, first, last, total] = match;
  return {
    first: first === undefined ? undefined : Number(first),
    last: last === undefined || last === '*' ? undefined : Number(last),
    total: total === '*' ? undefined : Number(total),
  };
}

/** Appends the PUT's body, skipping bytes the session already holds. */
async function receive(r: Request, staged: StagedBody, first: number): Promise<void> {
  if (first > staged.size) {
    r.req.resume();
    throw invalid(`The chunk starts at byte ${first}, but the upload holds only ${staged.size} bytes.`);
  }
  let skip = staged.size - first;
  for await (const data of r.req) {
    const chunk = data as Buffer;
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    await staged.write(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
}
