/**
 * The errors the Firestore stand-in answers with: gRPC statuses whose codes are the ones the
 * service documents for each case, so that client retry logic (which keys on the code) behaves as
 * it would in production, and whose messages say what went wrong in terms a log reader can act on.
 */
import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc-service.js';

export function invalidArgument(message: string): GrpcStatusError {
  return new GrpcStatusError(status.INVALID_ARGUMENT, message);
}

export function notFound(message: string): GrpcStatusError {
  return new GrpcStatusError(status.NOT_FOUND, message);
}

export function alreadyExists(message: string): GrpcStatusError {
  return new GrpcStatusError(status.ALREADY_EXISTS, message);
}

export function failedPrecondition(message: string): GrpcStatusError {
  return new GrpcStatusError(status.FAILED_PRECONDITION, message);
}

/** The code the client's transaction runner retries with backoff. */
export function aborted(message: string): GrpcStatusError {
  return new GrpcStatusError(status.ABORTED, message);
}

/** A feature the service has and this stand-in does not: refused by name, never approximated. */
export function unimplemented(feature: string): GrpcStatusError {
  return new GrpcStatusError(
    status.UNIMPLEMENTED,
    `${feature} is not supported by the local Firestore stand-in`,
  );
}

/**
 * The client retries INVALID_ARGUMENT for transactions only when the message says the transaction
 * has expired, which is how the service reports an unknown or timed-out transaction id.
 */
export function transactionExpired(): GrpcStatusError {
  return invalidArgument('The referenced transaction has expired or is no longer valid.');
}
