/**
 * A server process for the localcloud benchmark: the Pub/Sub stand-in, or a canned gRPC server
 * that relays each published message straight into an open StreamingPull stream with no
 * subscription state, acks, deadlines or redelivery (the baseline: gRPC and protobuf alone).
 * Prints its port, then answers "cpu" IPC messages with its CPU time in microseconds.
 */
import * as grpc from '@grpc/grpc-js';
import { FaultController } from '../../localcloud/faults.js';
import { startPubSub } from '../../localcloud/pubsub/index.js';
import { pubsubServices } from '../../localcloud/pubsub/wire.js';
import { bindCanned } from './grpc-bind.js';
import { serveChosen } from './server-process.js';

type Call = grpc.ServerDuplexStream<unknown, unknown>;
type Unary = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

async function canned(): Promise<number> {
  const streams: Call[] = [];
  let next = 0;
  let ids = 0;
  const echo: Unary = (call, cb) => cb(null, call.request);
  const server = new grpc.Server();
  const { publisher, subscriber } = pubsubServices();
  server.addService(publisher, {
    CreateTopic: echo,
    Publish: ((call, cb) => {
      const { messages } = call.request as { messages: Record<string, unknown>[] };
      const messageIds = messages.map(() => String(++ids));
      const stream = streams[next++ % Math.max(1, streams.length)];
      stream?.write({
        receivedMessages: messages.map((m, i) => ({
          ackId: `a${messageIds[i]}`,
          message: {
            ...m,
            messageId: messageIds[i],
            publishTime: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
          },
        })),
      });
      cb(null, { messageIds });
    }) as Unary,
  });
  server.addService(subscriber, {
    CreateSubscription: echo,
    GetSubscription: echo,
    ModifyAckDeadline: ((_call, cb) => cb(null, {})) as Unary,
    Acknowledge: ((_call, cb) => cb(null, {})) as Unary,
    StreamingPull: (call: Call) => {
      streams.push(call);
      call.on('data', () => {});
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  return bindCanned(server);
}

await serveChosen(canned, () => startPubSub(new FaultController(), { port: 0 }));
