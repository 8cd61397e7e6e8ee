/**
 * Binds a benchmark's canned gRPC server (the baseline that has gRPC and protobuf alone) to a free
 * local port, for the server processes that announce that port to the parent.
 */
import * as grpc from '@grpc/grpc-js';

/** Resolves with the port the server listens on; plain-text, as the stand-ins' clients expect. */
export function bindCanned(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}
