/**
 * The settable attributes of a standard queue: their documented ranges and defaults, their
 * canonical text (what GetQueueAttributes returns and what CreateQueue compares for idempotency),
 * and the parsed values the hot paths read.
 */
import { invalidParameter, SqsError } from './errors.js';
import { isObject } from './params.js';

export const MAX_VISIBILITY_TIMEOUT = 43_200;
export const MAX_RECEIVE_COUNT = 1000;

interface IntegerRange {
  readonly min: number;
  readonly max: number;
  /** Shown by GetQueueAttributes when never set; absent means shown only once set. */
  readonly initial?: number;
}

const INTEGERS: Readonly<Record<string, IntegerRange>> = {
  DelaySeconds: { min: 0, max: 900, initial: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, initial: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, initial: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, initial: 0 },
  VisibilityTimeout: { min: 0, max: MAX_VISIBILITY_TIMEOUT, initial: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400 },
};
const JSON_TEXTS = new Set(['Policy', 'RedriveAllowPolicy']);
const FREE_TEXTS = new Set(['KmsMasterKeyId']);
const BOOLEANS: Readonly<Record<string, string>> = { SqsManagedSseEnabled: 'true' };
const REDRIVE = 'RedrivePolicy';
const FIFO_ONLY = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Attributes SQS computes; readable, never settable. */
export const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export function isReadableAttribute(name: string): boolean {
  return (
    name in INTEGERS ||
    JSON_TEXTS.has(name) ||
    FREE_TEXTS.has(name) ||
    name in BOOLEANS ||
    name === REDRIVE ||
    (COMPUTED_ATTRIBUTES as readonly string[]).includes(name)
  );
}

export function fifoRefusal(): SqsError {
  return new SqsError(
    'UnsupportedOperation',
    'FIFO queues are not supported by this SQS stand-in; it serves standard queues only.',
  );
}

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

/**
 * Checks requested attribute values and returns them in canonical text. An empty text removes an
 * optional attribute. `deadLetterExists` answers whether a redrive target ARN names a queue.
 */
export function canonicalAttributes(
  requested: Readonly<Record<string, string>>,
  deadLetterExists: (arn: string) => boolean,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(requested)) {
    const canonical = canonicalValue(name, value, deadLetterExists);
    if (canonical !== undefined) out.set(name, canonical);
  }
  return out;
}

function canonicalValue(
  name: string,
  value: string,
  deadLetterExists: (arn: string) => boolean,
): string | undefined {
  const range = INTEGERS[name];
  if (range !== undefined) return canonicalInteger(name, value, range);
  if (name === REDRIVE) return canonicalRedrive(value, deadLetterExists);
  if (JSON_TEXTS.has(name)) return canonicalJson(name, value);
  if (FREE_TEXTS.has(name)) return value;
  if (name in BOOLEANS) {
    if (value !== 'true' && value !== 'false') throw invalidValue(name, 'must be true or false');
    return value;
  }
  if (name === 'FifoQueue' && value === 'false') return undefined;
  if (FIFO_ONLY.has(name)) throw fifoRefusal();
  if ((COMPUTED_ATTRIBUTES as readonly string[]).includes(name)) {
    throw new SqsError('InvalidAttributeName', `${name} is computed by SQS and cannot be set.`);
  }
  throw new SqsError('InvalidAttributeName', `Unknown attribute ${name}.`);
}

function canonicalInteger(name: string, value: string, range: IntegerRange): string {
  const n = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= range.min && n <= range.max)) {
    throw invalidValue(
      name,
      `must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    );
  }
  return String(n);
}

function canonicalJson(name: string, value: string): string {
  if (value === '') return '';
  try {
    if (isObject(JSON.parse(value))) return value;
  } catch {}
  throw invalidValue(name, 'must be a JSON object');
}

function canonicalRedrive(value: string, deadLetterExists: (arn: string) => boolean): string {
  if (value === '') return '';
  const policy = parseRedrive(value);
  if (!deadLetterExists(policy.deadLetterTargetArn)) {
    throw invalidParameter(
      REDRIVE,
      value,
      `the dead-letter target ${policy.deadLetterTargetArn} does not exist.`,
    );
  }
  return JSON.stringify(policy);
}

function parseRedrive(value: string): RedrivePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {}
  if (!isObject(parsed)) throw invalidParameter(REDRIVE, value, 'the redrive policy is not a JSON object.');
  const arn = parsed.deadLetterTargetArn;
  if (typeof arn !== 'string' || arn === '') {
    throw invalidParameter(REDRIVE, value, 'deadLetterTargetArn is missing.');
  }
  const count = Number(parsed.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > MAX_RECEIVE_COUNT) {
    throw invalidParameter(
      REDRIVE,
      value,
      `maxReceiveCount must be an integer from 1 to ${MAX_RECEIVE_COUNT}.`,
    );
  }
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
}

function invalidValue(name: string, reason: string): SqsError {
  return new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: ${reason}.`);
}

/** One queue's settable attributes, in canonical text and parsed. */
export class QueueSettings {
  private readonly values = new Map<string, string>();
  delaySeconds = 0;
  maximumMessageSize = 0;
  retentionMs = 0;
  waitTimeSeconds = 0;
  visibilityTimeout = 0;
  redrive: RedrivePolicy | undefined;

  constructor(initial: ReadonlyMap<string, string> = new Map()) {
    for (const [name, range] of Object.entries(INTEGERS)) {
      if (range.initial !== undefined) this.values.set(name, String(range.initial));
    }
    for (const [name, value] of Object.entries(BOOLEANS)) this.values.set(name, value);
    this.apply(initial);
  }

  apply(changes: ReadonlyMap<string, string>): void {
    for (const [name, value] of changes) {
      if (value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
    this.delaySeconds = this.integer('DelaySeconds');
    this.maximumMessageSize = this.integer('MaximumMessageSize');
    this.retentionMs = this.integer('MessageRetentionPeriod') * 1000;
    this.waitTimeSeconds = this.integer('ReceiveMessageWaitTimeSeconds');
    this.visibilityTimeout = this.integer('VisibilityTimeout');
    const redrive = this.values.get(REDRIVE);
    this.redrive = redrive === undefined ? undefined : (JSON.parse(redrive) as RedrivePolicy);
  }

  /** Whether every given attribute already has that value: CreateQueue's idempotency rule. */
  matches(changes: ReadonlyMap<string, string>): boolean {
    for (const [name, value] of changes) {
      if ((this.values.get(name) ?? '') !== value) return false;
    }
    return true;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  private integer(name: string): number {
    return Number(this.values.get(name) ?? 0);
  }
}
