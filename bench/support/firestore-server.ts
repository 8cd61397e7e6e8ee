/**
 * A server process for the localcloud benchmark: the Firestore stand-in, or a canned gRPC server
 * that acknowledges every commit without storing anything (the baseline: gRPC and protobuf alone).
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FaultController } from '../../localcloud/faults.js';
import { startFirestore } from '../../localcloud/firestore/index.js';
import { googleCommonProtosDir, loadProto, packageDir, serviceDefinition } from '../../localcloud/protos.js';
import { bindCanned } from './grpc-bind.js';
import { serveChosen } from './server-process.js';

type Unary = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

async function canned(): Promise<number> {
  const root = loadProto('google/firestore/v1/firestore.proto', [
    join(packageDir('@google-cloud/firestore'), 'build', 'protos'),
    googleCommonProtosDir(),
  ]);
  const server = new grpc.Server();
  const commit: Unary = (call, cb) => {
    const now = Date.now();
    const time = { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 };
    const { writes } = call.request as { writes: unknown[] };
    cb(null, { writeResults: writes.map(() => ({ updateTime: time })), commitTime: time });
  };
  server.addService(serviceDefinition(root, 'google.firestore.v1.Firestore'), { Commit: commit });
  return bindCanned(server);
}

await serveChosen(canned, () => startFirestore(new FaultController(), { port: 0 }));
