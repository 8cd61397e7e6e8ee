/**
 * How the S3 front writes objects. s3rver ignores If-None-Match and If-Match on writes, and the
 * pipeline's create-only archive writes depend on them: the front checks the object's state with a
 * HEAD to s3rver and writes under a per-key lock, so the check and the write are one step as in
 * S3. Bodies are received whole first (s3-body.ts), so a write never lands half-done.
 */
import type http from 'node:http';
import { type Forwarder, ProxyError } from './proxy.js';
import { stageObjectBody } from './s3-body.js';
import { backendLost, S3StandInError, writeS3Error } from './s3-errors.js';
import { drain, header } from './s3-request.js';

/** Where a write lands: the path s3rver knows it by, and the key writes to it are serialized on. */
export interface ObjectTarget {
  readonly path: string;
  readonly lockKey: string;
}

/** The object path without the query, and the bucket/key pair writes to it are serialized on. */
export function objectTarget(url: string): ObjectTarget {
  const pathname = url.split('?', 1)[0] ?? '/';
  let lockKey: string;
  try {
    lockKey = decodeURIComponent(pathname);
  } catch {
    lockKey = pathname;
  }
  return { path: pathname, lockKey };
}

export class ObjectWrites {
  private readonly locks = new KeyLocks();

  constructor(
    private readonly forwarder: Forwarder,
    private readonly stagingDir: string,
  ) {}

  /**
   * PutObject (with a target: preconditions and the lock apply) and UploadPart (without): the body
   * is received whole, decoded and checked before it is forwarded.
   */
  async writeBody(req: http.IncomingMessage, res: http.ServerResponse, target?: ObjectTarget): Promise<void> {
    let staged: Awaited<ReturnType<typeof stageObjectBody>>;
    try {
      staged = await stageObjectBody(req, this.stagingDir);
    } catch (err) {
      if (!(err instanceof S3StandInError)) throw err;
      await drain(req);
      writeS3Error(res, err);
      return;
    }
    try {
      const send = () => this.forwarder.forward(req, res, { headers: staged.headers, body: staged.open });
      if (target === undefined) await send();
      else await this.underLock(req, res, target, send);
    } finally {
      await staged.dispose();
    }
  }

  /** CopyObject, CompleteMultipartUpload and DeleteObject: small bodies, streamed under the lock. */
  writeStreamed(req: http.IncomingMessage, res: http.ServerResponse, target: ObjectTarget): Promise<void> {
    return this.underLock(req, res, target, () => this.forwarder.forward(req, res));
  }

  private underLock(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: ObjectTarget,
    send: () => Promise<void>,
  ): Promise<void> {
    return this.locks.run(target.lockKey, async () => {
      let failure: S3StandInError | undefined;
      try {
        failure = await this.checkPreconditions(req, target);
      } catch (err) {
        if (!(err instanceof ProxyError)) throw err;
        failure = backendLost(err);
      }
      if (failure === undefined) return send();
      await drain(req);
      writeS3Error(res, failure);
    });
  }

  private async checkPreconditions(
    req: http.IncomingMessage,
    target: ObjectTarget,
  ): Promise<S3StandInError | undefined> {
    const noneMatch = header(req, 'if-none-match');
    const match = header(req, 'if-match');
    // Only "*" means anything for If-None-Match on a write; S3 accepts nothing else there.
    if (noneMatch !== '*' && match === undefined) return undefined;
    const head = await this.forwarder.call('HEAD', target.path, { host: req.headers.host });
    const current = head.status === 200 ? bareEtag(String(head.headers.etag ?? '')) : undefined;
    if (noneMatch === '*' && current !== undefined) {
      return preconditionFailed('If-None-Match', 'an object already exists under this key');
    }
    if (match === undefined) return undefined;
    if (current === undefined) return new S3StandInError('NoSuchKey', 'The specified key does not exist.');
    if (match !== '*' && bareEtag(match) !== current) {
      return preconditionFailed('If-Match', 'the object has a different ETag');
    }
    return undefined;
  }
}

function preconditionFailed(condition: string, why: string): S3StandInError {
  return new S3StandInError('PreconditionFailed', `The ${condition} precondition does not hold: ${why}.`, {
    Condition: condition,
  });
}

/** Runs tasks one at a time per key, in arrival order; keys are forgotten once idle. */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** ETags compared without quotes or a weak prefix, as clients send them either way. */
function bareEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}
