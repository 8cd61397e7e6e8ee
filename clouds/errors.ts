/**
 * The one error type the cloud adapters let out. Each SDK's errors are translated here, so callers
 * branch on `code` and `retryable` without knowing which SDK or transport failed.
 */

export type CloudErrorCode =
  | 'THROTTLED' // the service asked us to slow down
  | 'UNAVAILABLE' // the service or the network failed; the same request may succeed later
  | 'REJECTED' // the service refused the request: permissions, configuration, a bad parameter
  | 'TOO_LARGE' // a message or request over the service's size limit
  | 'NOT_FOUND' // the queue or topic does not exist
  | 'BAD_MESSAGE' // a message we cannot send (bad content) or cannot read back (bad encoding)
  | 'UNKNOWN';

export type CloudService = 'sqs' | 'pubsub' | 'codec';

export class CloudError extends Error {
  readonly code: CloudErrorCode;
  /** Whether sending the same thing again may succeed. */
  readonly retryable: boolean;
  readonly service: CloudService;

  constructor(
    service: CloudService,
    code: CloudErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CloudError';
    this.service = service;
    this.code = code;
    this.retryable = options.retryable ?? DEFAULT_RETRYABLE[code];
  }
}

const DEFAULT_RETRYABLE: Record<CloudErrorCode, boolean> = {
  THROTTLED: true,
  UNAVAILABLE: true,
  REJECTED: false,
  TOO_LARGE: false,
  NOT_FOUND: false,
  BAD_MESSAGE: false,
  UNKNOWN: false,
};

/** Socket-level failures: the request may never have reached the service, so sending again is safe. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_HTTP2_STREAM_ERROR',
]);

/** True for an error (or any error in its cause chain) of a failed connection or socket. */
export function isNetworkError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return isNetworkError((err as { cause?: unknown }).cause, depth + 1);
}

// AWS error names, as the SDK sets them from the service's error code.
const AWS_THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'KmsThrottled',
  'OverLimit',
]);
const AWS_NOT_FOUND = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);
const AWS_TOO_LARGE = new Set(['BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong']);
const AWS_BAD_MESSAGE = new Set(['InvalidMessageContents']);
const AWS_TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError']);

interface AwsErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

/** Translates an AWS SDK v3 error (or a network error under it) into a CloudError. */
export function fromAwsError(service: CloudService, err: unknown): CloudError {
  if (err instanceof CloudError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = awsCode(name, status, e, err);
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const shownStatus = status === undefined ? '' : ` (HTTP ${status})`;
  return new CloudError(service, code, `${service}: ${name || 'error'}${shownStatus}: ${detail}`, {
    cause: err,
  });
}

function awsCode(name: string, status: number | undefined, e: AwsErrorShape, err: unknown): CloudErrorCode {
  if (name === 'AbortError') return 'UNKNOWN'; // we never abort; treat as a bug, not a retry
  if (AWS_THROTTLING.has(name) || status === 429 || e.$retryable?.throttling === true) return 'THROTTLED';
  if (AWS_NOT_FOUND.has(name)) return 'NOT_FOUND';
  if (AWS_TOO_LARGE.has(name) || status === 413) return 'TOO_LARGE';
  if (AWS_BAD_MESSAGE.has(name)) return 'BAD_MESSAGE';
  if (isNetworkError(err) || AWS_TRANSIENT.has(name) || e.$retryable !== undefined) return 'UNAVAILABLE';
  if (status !== undefined && status >= 500) return 'UNAVAILABLE';
  if (status !== undefined && status >= 400) return 'REJECTED';
  return 'UNKNOWN';
}

/** gRPC status codes (google.rpc.Code) and what each means for a publish. */
const GRPC_CODES: Record<number, { name: string; code: CloudErrorCode; retryable: boolean }> = {
  1: { name: 'CANCELLED', code: 'UNAVAILABLE', retryable: true },
  // Google's own publisher config retries UNKNOWN for Publish, so do we.
  2: { name: 'UNKNOWN', code: 'UNKNOWN', retryable: true },
  3: { name: 'INVALID_ARGUMENT', code: 'REJECTED', retryable: false },
  4: { name: 'DEADLINE_EXCEEDED', code: 'UNAVAILABLE', retryable: true },
  5: { name: 'NOT_FOUND', code: 'NOT_FOUND', retryable: false },
  6: { name: 'ALREADY_EXISTS', code: 'REJECTED', retryable: false },
  7: { name: 'PERMISSION_DENIED', code: 'REJECTED', retryable: false },
  8: { name: 'RESOURCE_EXHAUSTED', code: 'THROTTLED', retryable: true },
  9: { name: 'FAILED_PRECONDITION', code: 'REJECTED', retryable: false },
  10: { name: 'ABORTED', code: 'UNAVAILABLE', retryable: true },
  11: { name: 'OUT_OF_RANGE', code: 'REJECTED', retryable: false },
  12: { name: 'UNIMPLEMENTED', code: 'REJECTED', retryable: false },
  13: { name: 'INTERNAL', code: 'UNAVAILABLE', retryable: true },
  14: { name: 'UNAVAILABLE', code: 'UNAVAILABLE', retryable: true },
  15: { name: 'DATA_LOSS', code: 'UNKNOWN', retryable: false },
  16: { name: 'UNAUTHENTICATED', code: 'REJECTED', retryable: false },
};

/** An INVALID_ARGUMENT about size: resending the same message can never succeed. */
const SIZE_WORDING = /too large|too long|exceeds the limit|bytes; the limit/i;

/** Translates a Google client error (gRPC status in a numeric `code`) into a CloudError. */
export function fromGrpcError(service: CloudService, err: unknown): CloudError {
  if (err instanceof CloudError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const known = typeof e.code === 'number' ? GRPC_CODES[e.code] : undefined;
  if (known === undefined) {
    const code: CloudErrorCode = isNetworkError(err) ? 'UNAVAILABLE' : 'UNKNOWN';
    return new CloudError(service, code, `${service}: ${detail}`, { cause: err });
  }
  const code =
    known.code === 'REJECTED' && e.code === 3 && SIZE_WORDING.test(detail) ? 'TOO_LARGE' : known.code;
  return new CloudError(service, code, `${service}: ${known.name}: ${detail}`, {
    retryable: known.retryable,
    cause: err,
  });
}
