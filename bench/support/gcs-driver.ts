/** Drives Cloud Storage through the official client: 1 KiB create-only uploads, 16 in flight. */
import { Storage } from '@google-cloud/storage';
import { type Measurement, type ServerProcess, timed } from './server-process.js';

const IN_FLIGHT = 16;

export async function driveStorage(server: ServerProcess, total: number): Promise<Measurement> {
  const storage = new Storage({ apiEndpoint: `http://127.0.0.1:${server.port}`, projectId: 'bench' });
  const [bucket] = await storage.createBucket('bench-archive');
  const data = Buffer.alloc(1024, 'x');
  let next = 0;
  let round = 0;
  const upload = async (limit: number) => {
    const worker = async () => {
      while (next < limit) {
        const i = next++;
        // Same options for the stand-in and the baseline: the canned server computes no hashes.
        await bucket
          .file(`trades/${round}/${i}.json`)
          .save(data, { resumable: false, validation: false, preconditionOpts: { ifGenerationMatch: 0 } });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  await upload(300); // warm-up, not counted
  const result = await timed(server, async () => {
    next = 0;
    round = 1;
    await upload(total);
    return total;
  });
  return result;
}
