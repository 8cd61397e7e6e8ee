/**
 * A local stand-in for Google Cloud Storage, speaking the JSON API that @google-cloud/storage uses,
 * so the official client runs against it unchanged with `STORAGE_EMULATOR_HOST=<url>` or
 * `new Storage({ apiEndpoint: url })`.
 *
 * What lives here: `service.ts` and `routes.ts` map requests to methods; `buckets.ts`,
 * `objects.ts`, `listing.ts`, `download.ts`, `uploads.ts` (with `multipart.ts`) and `resumable.ts`
 * serve them; `store.ts` holds buckets and objects and orders writes per object (`lock.ts`),
 * checking `preconditions.ts`; `backend.ts` keeps bodies in memory, `disk.ts` on disk; `model.ts`
 * has the records and the rules on names and fields; `wire.ts` the JSON shapes; `crc32c.ts` the
 * checksum. See README.md.
 */
import { join } from 'node:path';
import type { FaultController } from '../faults.js';
import { type RunningHttpService, type StandInOptions, startHttpService } from '../http-service.js';
import { type Backend, MemoryBackend } from './backend.js';
import { DiskBackend } from './disk.js';
import { ResumableUploads } from './resumable.js';
import { storageServiceSpec } from './service.js';
import { GcsStore } from './store.js';

export async function startStorage(
  faults: FaultController,
  options: StandInOptions = {},
): Promise<RunningHttpService> {
  const backend: Backend =
    options.dataDir === undefined ? new MemoryBackend() : new DiskBackend(join(options.dataDir, 'gcs'));
  const store = new GcsStore(backend);
  await store.load();
  const uploads = new ResumableUploads(store);
  let url = '';
  const http = await startHttpService(
    storageServiceSpec({ store, uploads, base: () => url }),
    faults,
    options,
  );
  url = http.url;
  let closing: Promise<void> | undefined;
  const close = async () => {
    await http.close();
    await uploads.close();
    await store.close();
  };
  return {
    host: http.host,
    port: http.port,
    url,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
