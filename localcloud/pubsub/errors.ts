/**
 * The errors the Pub/Sub stand-in answers with: gRPC statuses with messages worded after the
 * service's, so that a failing test or a log line says what the real service would have said.
 */
import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc-service.js';

export type ResourceKind = 'topic' | 'subscription';

export function invalidArgument(message: string): GrpcStatusError {
  return new GrpcStatusError(status.INVALID_ARGUMENT, message);
}

export function notFound(kind: ResourceKind, name: string): GrpcStatusError {
  return new GrpcStatusError(
    status.NOT_FOUND,
    `${kind === 'topic' ? 'Topic' : 'Subscription'} not found (resource=${name})`,
  );
}

export function alreadyExists(kind: ResourceKind, name: string): GrpcStatusError {
  return new GrpcStatusError(
    status.ALREADY_EXISTS,
    `${kind === 'topic' ? 'Topic' : 'Subscription'} already exists (resource=${name})`,
  );
}

/** A feature the service has and this stand-in does not: refused by name, never faked. */
export function unimplemented(feature: string): GrpcStatusError {
  return new GrpcStatusError(
    status.UNIMPLEMENTED,
    `${feature} is not implemented by the local Pub/Sub stand-in`,
  );
}
