/**
 * Where the Cloud Storage conformance suites send their requests, and each suite file's bucket.
 *
 * By default each suite starts the local stand-in in-process on a free port and points the
 * official client at it with `apiEndpoint`. With CONFORMANCE_TARGET=external the suites use
 * STORAGE_EMULATOR_HOST instead (and GOOGLE_CLOUD_PROJECT when set), so the same assertions run
 * against another emulator such as fake-gcs-server. Checks that need the stand-in's own controls
 * (fault injection, request counts, restarts) run only locally.
 */
import { randomBytes } from 'node:crypto';
import { type Bucket, Storage, type StorageOptions } from '@google-cloud/storage';
import { afterAll, beforeAll } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import { LOCAL_PROJECT_ID } from '../../localcloud/gcp-local.js';
import { startStorage } from '../../localcloud/gcs/index.js';
import type { RunningHttpService, StandInOptions } from '../../localcloud/http-service.js';

export const external = process.env.CONFORMANCE_TARGET === 'external';

export interface GcsTarget {
  /** The base URL, as STORAGE_EMULATOR_HOST takes it. */
  readonly endpoint: string;
  readonly projectId: string;
  /** The fault controller and the running stand-in when the target is local. */
  readonly faults: FaultController | undefined;
  readonly running: RunningHttpService | undefined;
  readonly local: boolean;
  /** A client for the target; retries are quick so that retried faults keep tests fast. */
  client(options?: StorageOptions): Storage;
  stop(): Promise<void>;
}

// async-retry (used by file.save) refuses a maximum delay below its 1 s minimum.
const QUICK_RETRIES: StorageOptions['retryOptions'] = { retryDelayMultiplier: 1.01, maxRetryDelay: 1 };

export async function gcsTarget(
  options: StandInOptions = {},
  faults = new FaultController(),
): Promise<GcsTarget> {
  if (external) {
    const endpoint = process.env.STORAGE_EMULATOR_HOST;
    if (endpoint === undefined || endpoint === '') {
      throw new Error('CONFORMANCE_TARGET=external needs STORAGE_EMULATOR_HOST (http://host:port)');
    }
    const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? LOCAL_PROJECT_ID;
    return {
      endpoint,
      projectId,
      faults: undefined,
      running: undefined,
      local: false,
      // The client reads STORAGE_EMULATOR_HOST itself.
      client: (extra = {}) => new Storage(withQuickRetries({ projectId, ...extra })),
      stop: async () => {},
    };
  }
  const running = await startStorage(faults, { port: 0, ...options });
  return {
    endpoint: running.url,
    projectId: LOCAL_PROJECT_ID,
    faults,
    running,
    local: true,
    client: (extra = {}) =>
      new Storage(withQuickRetries({ apiEndpoint: running.url, projectId: LOCAL_PROJECT_ID, ...extra })),
    stop: () => running.close(),
  };
}

function withQuickRetries(options: StorageOptions): StorageOptions {
  return { ...options, retryOptions: { ...QUICK_RETRIES, ...options.retryOptions } };
}

/**
 * A client configured the way STORAGE_EMULATOR_HOST configures it (JSON API paths without the
 * `/storage/v1` prefix). The client reads the variable only while it is constructed, so it is set
 * and restored around that, synchronously, and other code never sees it.
 */
export function clientViaEmulatorVariable(endpoint: string, projectId: string): Storage {
  const previous = process.env.STORAGE_EMULATOR_HOST;
  process.env.STORAGE_EMULATOR_HOST = endpoint;
  try {
    return new Storage(withQuickRetries({ projectId }));
  } finally {
    if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
    else process.env.STORAGE_EMULATOR_HOST = previous;
  }
}

/** One suite file's target, client and bucket; the getters work once its beforeAll has run. */
export class GcsSuite {
  readonly bucketName = uniqueBucketName('conformance');
  private started: GcsTarget | undefined;
  private storageClient: Storage | undefined;

  get target(): GcsTarget {
    if (this.started === undefined) throw new Error('the Cloud Storage suite has not started');
    return this.started;
  }

  get storage(): Storage {
    if (this.storageClient === undefined) throw new Error('the Cloud Storage suite has not started');
    return this.storageClient;
  }

  get bucket(): Bucket {
    return this.storage.bucket(this.bucketName);
  }

  async setUp(): Promise<void> {
    this.started = await gcsTarget();
    this.storageClient = this.started.client();
    await this.storageClient.createBucket(this.bucketName);
  }

  async tearDown(): Promise<void> {
    if (this.storageClient !== undefined) await emptyAndDelete(this.bucket).catch(() => {});
    await this.started?.stop();
  }
}

/** A GcsSuite started before the calling file's tests and stopped after them. */
export function gcsSuite(): GcsSuite {
  const suite = new GcsSuite();
  beforeAll(() => suite.setUp());
  afterAll(() => suite.tearDown());
  return suite;
}

export function uniqueBucketName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function emptyAndDelete(bucket: Bucket): Promise<void> {
  const [files] = await bucket.getFiles();
  await Promise.all(files.map((f) => f.delete({ ignoreNotFound: true })));
  await bucket.delete();
}

/** The HTTP status of a client error: ApiError's `code`, or the status a resumable upload failed with. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const value of [e.code, e.status, e.response?.status]) {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\d{3}$/.test(value)) return Number(value);
  }
  return undefined;
}

/** The error a promise rejects with (which may not be an Error); fails the test when it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
