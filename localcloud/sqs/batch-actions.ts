/**
 * The batch actions. A batch as a whole can be refused (empty, more than ten entries, bad or
 * repeated ids, more than 1 MiB of messages); otherwise each entry succeeds or fails on its own,
 * failures listed in `Failed` with the code a single call would have answered with.
 */
import type { ActionResult, CallContext } from './call-context.js';
import { SqsError } from './errors.js';
import { changeVisibility, prepareMessage, removeMessage, sendReceipt } from './message-actions.js';
import { type Input, isObject, optionalObjectList, requiredInteger, requiredString } from './params.js';
import { queueOf } from './queue-actions.js';
import { MAX_VISIBILITY_TIMEOUT } from './queue-settings.js';

const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

interface BatchFailure {
  readonly Id: string;
  readonly SenderFault: boolean;
  readonly Code: string;
  readonly Message: string;
}

export function sendMessageBatch(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
  const total = entries.reduce((sum, entry) => sum + roughSize(entry), 0);
  if (total > MAX_BATCH_BYTES) {
    throw new SqsError(
      'BatchRequestTooLong',
      `The batch holds ${total} bytes of messages; a batch may hold at most ${MAX_BATCH_BYTES} bytes.`,
    );
  }
  return eachEntry(entries, (entry) => {
    const { message, delaySeconds } = prepareMessage(entry, queue, ctx);
    queue.enqueue(message, delaySeconds, ctx.now);
    return { Id: entry.Id as string, ...sendReceipt(message) };
  });
}

export function deleteMessageBatch(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const entries = batchEntries(input, 'DeleteMessageBatchRequestEntry');
  return eachEntry(entries, (entry) => {
    removeMessage(queue, requiredString(entry, 'ReceiptHandle'));
    return { Id: entry.Id as string };
  });
}

export function changeMessageVisibilityBatch(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const entries = batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry');
  return eachEntry(entries, (entry) => {
    const handle = requiredString(entry, 'ReceiptHandle');
    const seconds = requiredInteger(entry, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT);
    changeVisibility(queue, handle, seconds, ctx.now);
    return { Id: entry.Id as string };
  });
}

/** The entries of a batch, refused as a whole when the batch breaks a rule of its own. */
function batchEntries(input: Input, entryName: string): Input[] {
  const entries = optionalObjectList(input, 'Entries') ?? [];
  if (entries.length === 0) {
    throw new SqsError('EmptyBatchRequest', `The batch holds no ${entryName}; it needs 1 to ${MAX_ENTRIES}.`);
  }
  if (entries.length > MAX_ENTRIES) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `A batch holds at most ${MAX_ENTRIES} entries; this one has ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const { Id: id } of entries) {
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        `Batch entry id ${JSON.stringify(id)} is invalid: use 1 to 80 of A-Z a-z 0-9 - _.`,
      );
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Batch entry id ${id} is repeated.`);
    seen.add(id);
  }
  return entries;
}

function eachEntry(entries: readonly Input[], run: (entry: Input) => object): ActionResult {
  const Successful: object[] = [];
  const Failed: BatchFailure[] = [];
  for (const entry of entries) {
    try {
      Successful.push(run(entry));
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({
        Id: entry.Id as string,
        SenderFault: err.senderFault,
        Code: err.queryCode,
        Message: err.message,
      });
    }
  }
  return { Successful, Failed };
}

/** Bytes of body and attributes, counted before the entries are checked one by one. */
function roughSize(entry: Input): number {
  let size = typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody, 'utf8') : 0;
  const attributes = entry.MessageAttributes;
  if (!isObject(attributes)) return size;
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8');
    if (!isObject(value)) continue;
    if (typeof value.DataType === 'string') size += Buffer.byteLength(value.DataType, 'utf8');
    if (typeof value.StringValue === 'string') size += Buffer.byteLength(value.StringValue, 'utf8');
    if (typeof value.BinaryValue === 'string') size += Buffer.byteLength(value.BinaryValue, 'base64');
  }
  return size;
}
