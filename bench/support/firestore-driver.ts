/** Drives Firestore through the official client: single-document set() commits, 16 in flight. */
import { Firestore } from '@google-cloud/firestore';
import { type Measurement, type ServerProcess, timed } from './server-process.js';

const IN_FLIGHT = 16;

export async function driveFirestore(server: ServerProcess, total: number): Promise<Measurement> {
  const db = new Firestore({ projectId: 'bench', host: `127.0.0.1:${server.port}`, ssl: false });
  const candles = db.collection('candles');
  let next = 0;
  const write = async (limit: number) => {
    const worker = async () => {
      while (next < limit) {
        const i = next++;
        await candles.doc(`BTCUSDT-1m-${i}`).set({
          open: '61837.63000000',
          high: '61855.37000000',
          low: '61824.00000000',
          close: '61828.00000000',
          volume: '12.43238000',
          count: 875,
          ranges: '3735683259-3735684133',
        });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  await write(500); // warm-up, not counted
  const result = await timed(server, async () => {
    next = 0;
    await write(total);
    return total;
  });
  await db.terminate();
  return result;
}
