/** Drives Pub/Sub through the official client: batched publish → StreamingPull → ack each message. */
import { PubSub } from '@google-cloud/pubsub';
import * as grpc from '@grpc/grpc-js';
import { BENCH_BODY, type Measurement, type ServerProcess, sleep, timed } from './server-process.js';

export async function drivePubSub(server: ServerProcess, total: number): Promise<Measurement> {
  const pubsub = new PubSub({
    projectId: 'bench',
    servicePath: '127.0.0.1',
    port: server.port,
    sslCreds: grpc.credentials.createInsecure(),
  });
  const [created] = await pubsub.createTopic('bench');
  await created.createSubscription('bench-sub', { ackDeadlineSeconds: 60 });
  const topic = pubsub.topic('bench', { batching: { maxMessages: 1000, maxMilliseconds: 5 } });
  const subscription = pubsub.subscription('bench-sub', { flowControl: { maxMessages: 5000 } });
  let acked = 0;
  subscription.on('message', (m) => {
    m.ack();
    acked++;
  });
  await sleep(500); // let the streams open
  const data = Buffer.from(BENCH_BODY);
  const publish = async (n: number) => {
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, n - i) }, () => topic.publishMessage({ data })));
    }
  };
  const waitAcked = async (n: number) => {
    while (acked < n) await sleep(10);
  };
  await publish(2000); // warm-up, not counted
  await waitAcked(2000);
  const result = await timed(server, async () => {
    await publish(total);
    await waitAcked(2000 + total);
    await sleep(200); // the last acks reach the server
    return total;
  });
  await subscription.close();
  await pubsub.close();
  return result;
}
