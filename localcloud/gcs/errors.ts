/**
 * The errors the Cloud Storage stand-in answers with, in the JSON API's error format
 * (`{"error":{"code","message","errors":[{"domain","reason","message"}]}}`), which the client turns
 * into an ApiError with the status as `code` and reads `errors[].reason` to decide on retries.
 */
import type http from 'node:http';

/** The `reason` values the stand-in uses, each with its HTTP status. */
const STATUS = {
  invalid: 400,
  required: 400,
  badRequest: 400,
  notFound: 404,
  conflict: 409,
  conditionNotMet: 412,
  notModified: 304,
  uploadTooLarge: 413,
  requestedRangeNotSatisfiable: 416,
  rateLimitExceeded: 429,
  clientClosedRequest: 499,
  internalError: 500,
  backendError: 503,
  notImplemented: 501,
} as const;

export type GcsReason = keyof typeof STATUS;

export class GcsError extends Error {
  readonly code: GcsReason;
  readonly status: number;

  constructor(code: GcsReason, message: string) {
    super(message);
    this.name = 'GcsError';
    this.code = code;
    this.status = STATUS[code];
  }
}

export function writeGcsError(res: http.ServerResponse, err: GcsError): void {
  if (err.status === 304) {
    res.writeHead(304).end();
    return;
  }
  const body = JSON.stringify({
    error: {
      code: err.status,
      message: err.message,
      errors: [{ message: err.message, domain: 'global', reason: err.code }],
    },
  });
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function bucketNotFound(bucket: string): GcsError {
  return new GcsError('notFound', `The specified bucket does not exist: ${bucket}`);
}

export function objectNotFound(bucket: string, name: string): GcsError {
  return new GcsError('notFound', `No such object: ${bucket}/${name}`);
}

export function preconditionFailed(): GcsError {
  return new GcsError('conditionNotMet', 'At least one of the preconditions you specified did not hold.');
}

export function invalid(message: string): GcsError {
  return new GcsError('invalid', message);
}

/** A feature of the service this stand-in lacks: refused by name, never faked. */
export function notImplemented(feature: string): GcsError {
  return new GcsError('notImplemented', `${feature} is not implemented by the local Cloud Storage stand-in`);
}

/** Saved state that cannot be read back; the stand-in refuses to start rather than lose it. */
export class GcsStoreError extends Error {
  readonly code = 'STORE_UNREADABLE';

  constructor(message: string) {
    super(message);
    this.name = 'GcsStoreError';
  }
}
