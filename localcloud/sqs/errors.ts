/**
 * The errors the SQS stand-in answers with. Each code maps to the three things the SDK reads: the
 * shape name in the JSON `__type`, the legacy query code in `x-amzn-query-error` (which the SDK
 * prefers, being "awsQueryCompatible"), and the HTTP status. Statuses follow the SDK's model.
 */

interface ErrorShape {
  /** Shape name after `com.amazonaws.sqs#` in `__type`. */
  readonly type: string;
  /** The code of the query protocol, sent in `x-amzn-query-error` and in batch `Failed` entries. */
  readonly query: string;
  readonly status: number;
}

const QUEUE_SERVICE = 'AWS.SimpleQueueService';

const SHAPES = {
  QueueDoesNotExist: shape('QueueDoesNotExist', `${QUEUE_SERVICE}.NonExistentQueue`),
  QueueNameExists: shape('QueueNameExists', 'QueueAlreadyExists'),
  InvalidAddress: shape('InvalidAddress', 'InvalidAddress', 404),
  InvalidAttributeName: shape('InvalidAttributeName'),
  InvalidAttributeValue: shape('InvalidAttributeValue'),
  InvalidMessageContents: shape('InvalidMessageContents'),
  InvalidParameterValue: shape('InvalidParameterValue'),
  MissingParameter: shape('MissingParameter'),
  InvalidAction: shape('InvalidAction'),
  SerializationException: shape('SerializationException'),
  UnsupportedOperation: shape('UnsupportedOperation', `${QUEUE_SERVICE}.UnsupportedOperation`),
  ReceiptHandleIsInvalid: shape('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404),
  MessageNotInflight: shape('MessageNotInflight', `${QUEUE_SERVICE}.MessageNotInflight`),
  PurgeQueueInProgress: shape('PurgeQueueInProgress', `${QUEUE_SERVICE}.PurgeQueueInProgress`, 403),
  OverLimit: shape('OverLimit', 'OverLimit', 403),
  EmptyBatchRequest: shape('EmptyBatchRequest', `${QUEUE_SERVICE}.EmptyBatchRequest`),
  TooManyEntriesInBatchRequest: shape(
    'TooManyEntriesInBatchRequest',
    `${QUEUE_SERVICE}.TooManyEntriesInBatchRequest`,
  ),
  BatchEntryIdsNotDistinct: shape('BatchEntryIdsNotDistinct', `${QUEUE_SERVICE}.BatchEntryIdsNotDistinct`),
  InvalidBatchEntryId: shape('InvalidBatchEntryId', `${QUEUE_SERVICE}.InvalidBatchEntryId`),
  BatchRequestTooLong: shape('BatchRequestTooLong', `${QUEUE_SERVICE}.BatchRequestTooLong`),
  RequestThrottled: shape('RequestThrottled'),
  InternalError: shape('InternalError', 'InternalError', 500),
} as const;

function shape(type: string, query = type, status = 400): ErrorShape {
  return { type, query, status };
}

export type SqsErrorCode = keyof typeof SHAPES;

export class SqsError extends Error {
  readonly code: SqsErrorCode;

  constructor(code: SqsErrorCode, message: string) {
    super(message);
    this.name = 'SqsError';
    this.code = code;
  }

  /** The value of `__type` in the JSON error body. */
  get type(): string {
    return `com.amazonaws.sqs#${SHAPES[this.code].type}`;
  }

  get queryCode(): string {
    return SHAPES[this.code].query;
  }

  get status(): number {
    return SHAPES[this.code].status;
  }

  /** Who is to blame, as the query protocol says it: a 5xx is the service's fault. */
  get senderFault(): boolean {
    return this.status < 500;
  }
}

export function missingParameter(name: string): SqsError {
  return new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
}

/** The wording SQS uses for a bad parameter: the value, the parameter, and why. */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  return new SqsError(
    'InvalidParameterValue',
    `Value ${showValue(value)} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

export function queueDoesNotExist(): SqsError {
  return new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}

const MAX_SHOWN = 100;

function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** A saved state that cannot be read back; the stand-in refuses to start rather than lose it. */
export class SqsStoreError extends Error {
  readonly code = 'STORE_UNREADABLE';

  constructor(message: string) {
    super(message);
    this.name = 'SqsStoreError';
  }
}
