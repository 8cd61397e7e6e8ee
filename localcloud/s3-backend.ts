/**
 * The s3rver instance behind the S3 front, on an internal loopback port, with its storage (a
 * scratch folder for staged bodies; the bucket folders there too, or under the data directory,
 * where they outlive a restart) and the forwarder that relays to it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { Forwarder } from './proxy.js';
import { backendLost, writeS3Error } from './s3-errors.js';

export interface S3Backend {
  /** Relays to s3rver, answering in S3's error format when s3rver cannot be reached. */
  readonly forwarder: Forwarder;
  /** s3rver's directory: one folder per bucket. */
  readonly directory: string;
  /** Where large request bodies wait while they arrive; never inside s3rver's directory, where
   * every folder is a bucket. */
  readonly staging: string;
  close(): Promise<void>;
}

export async function startS3Backend(dataDir: string | undefined): Promise<S3Backend> {
  const storage = await prepareStorage(dataDir);
  try {
    return await startServer(storage);
  } catch (err) {
    await storage.remove();
    throw err;
  }
}

interface Storage {
  readonly directory: string;
  readonly staging: string;
  remove(): Promise<void>;
}

async function prepareStorage(dataDir: string | undefined): Promise<Storage> {
  const scratch = await mkdtemp(path.join(tmpdir(), 's3-standin-'));
  const staging = path.join(scratch, 'staging');
  await mkdir(staging);
  const directory = dataDir === undefined ? path.join(scratch, 'buckets') : path.resolve(dataDir, 's3');
  await mkdir(directory, { recursive: true });
  return { directory, staging, remove: () => rm(scratch, { recursive: true, force: true }) };
}

/** Starts s3rver on the storage, which its close then removes. */
async function startServer(storage: Storage): Promise<S3Backend> {
  // vhostBuckets off: the front is reached by IP or a plain host name, and a host name must never
  // be taken for a bucket.
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: storage.directory,
    vhostBuckets: false,
  });
  const address = await server.run();
  const http = server.httpServer;
  // Longer than the forwarder's idle timeout, so s3rver never closes a socket the pool reuses.
  if (http !== undefined) http.keepAliveTimeout = 60_000;
  const forwarder = new Forwarder({ host: '127.0.0.1', port: address.port }, (res, cause) =>
    writeS3Error(res, backendLost(cause)),
  );
  return {
    forwarder,
    directory: storage.directory,
    staging: storage.staging,
    close: async () => {
      forwarder.close();
      const closing = server.close();
      http?.closeIdleConnections();
      await closing;
      await storage.remove();
    },
  };
}
