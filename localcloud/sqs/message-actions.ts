/**
 * The actions on single messages: send, receive (with long polling), delete, and change the
 * visibility timeout. The batch actions reuse the per-message steps exported here.
 */
import { randomUUID } from 'node:crypto';
import type { ActionResult, CallContext } from './call-context.js';
import { md5OfAttributes } from './checksums.js';
import { type DeliveryView, deliveryView, type WireMessage, wireMessage } from './delivery.js';
import { invalidParameter, SqsError } from './errors.js';
import { StoredMessage } from './message.js';
import { checkBody, readMessageAttributes, readTraceHeader } from './message-content.js';
import { type Input, optionalInteger, optionalString, requiredInteger, requiredString } from './params.js';
import type { SqsQueue } from './queue.js';
import { queueOf } from './queue-actions.js';
import { MAX_VISIBILITY_TIMEOUT } from './queue-settings.js';
import { parseReceipt } from './receipts.js';

const MAX_DELAY_SECONDS = 900;
const MAX_WAIT_SECONDS = 20;
const MAX_RECEIVE_MESSAGES = 10;
/** SQS refuses receives while this many messages of a standard queue are in flight. */
const MAX_IN_FLIGHT = 120_000;

export interface PreparedMessage {
  readonly message: StoredMessage;
  readonly delaySeconds: number;
}

/** Checks one message to send (SendMessage or a batch entry) and builds it. */
export function prepareMessage(input: Input, queue: SqsQueue, ctx: CallContext): PreparedMessage {
  const body = requiredString(input, 'MessageBody');
  checkBody(body);
  const delay = optionalInteger(input, 'DelaySeconds', 0, MAX_DELAY_SECONDS);
  const { attributes, size: attributesSize } = readMessageAttributes(input.MessageAttributes);
  const traceHeader = readTraceHeader(input.MessageSystemAttributes);
  if (input.MessageDeduplicationId !== undefined && input.MessageDeduplicationId !== null) {
    throw invalidParameter(
      'MessageDeduplicationId',
      input.MessageDeduplicationId,
      'only FIFO queues take it.',
    );
  }
  const size = Buffer.byteLength(body, 'utf8') + attributesSize;
  const limit = queue.settings.maximumMessageSize;
  if (size > limit) {
    throw new SqsError(
      'InvalidParameterValue',
      `Message too long: ${size} bytes of body and attributes, above the queue's MaximumMessageSize of ${limit} bytes.`,
    );
  }
  const message = new StoredMessage({
    id: randomUUID(),
    body,
    attributes,
    traceHeader,
    groupId: optionalString(input, 'MessageGroupId'),
    sentAt: ctx.now,
    senderId: ctx.senderId,
  });
  return { message, delaySeconds: delay ?? queue.settings.delaySeconds };
}

/** The digests and id SendMessage answers with, for one stored message. */
export function sendReceipt(message: StoredMessage): Record<string, string> {
  const out: Record<string, string> = { MessageId: message.id, MD5OfMessageBody: message.bodyMd5 };
  if (message.attributesMd5 !== undefined) out.MD5OfMessageAttributes = message.attributesMd5;
  if (message.traceHeader !== undefined) {
    out.MD5OfMessageSystemAttributes = md5OfAttributes({
      AWSTraceHeader: { DataType: 'String', StringValue: message.traceHeader },
    });
  }
  return out;
}

export function sendMessage(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const { message, delaySeconds } = prepareMessage(input, queue, ctx);
  queue.enqueue(message, delaySeconds, ctx.now);
  return sendReceipt(message);
}

export function receiveMessage(input: Input, ctx: CallContext): ActionResult | Promise<ActionResult> {
  const queue = queueOf(input, ctx.registry);
  const max = optionalInteger(input, 'MaxNumberOfMessages', 1, MAX_RECEIVE_MESSAGES) ?? 1;
  const hide =
    optionalInteger(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT) ??
    queue.settings.visibilityTimeout;
  const wait =
    optionalInteger(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS) ?? queue.settings.waitTimeSeconds;
  const view = deliveryView(input);
  if (queue.inFlight >= MAX_IN_FLIGHT) {
    throw new SqsError(
      'OverLimit',
      `Queue ${queue.name} has ${MAX_IN_FLIGHT} messages in flight, the limit.`,
    );
  }
  const request: TakeRequest = { queue, max, hide, view, ctx };
  const messages = takeMessages(request, ctx.now);
  if (messages.length > 0 || wait === 0) return messagesResult(messages);
  return waitForMessages(request, wait);
}

interface TakeRequest {
  readonly queue: SqsQueue;
  readonly max: number;
  readonly hide: number;
  readonly view: DeliveryView;
  readonly ctx: CallContext;
}

function takeMessages({ queue, max, hide, view, ctx }: TakeRequest, now: number): WireMessage[] {
  const plan = ctx.registry.planFor(queue, hide, ctx.faults);
  const taken = queue.take(max, plan, now);
  const out: WireMessage[] = new Array(taken.length);
  for (let i = 0; i < taken.length; i++) out[i] = wireMessage(taken[i]!, view);
  return out;
}

/** Long polling: answers once messages arrive, or empty when the wait ends or the queue goes. */
function waitForMessages(request: TakeRequest, waitSeconds: number): Promise<ActionResult> {
  return new Promise((resolve) => {
    let unwatch = () => {};
    const finish = (result: ActionResult) => {
      unwatch();
      resolve(result);
    };
    const withdraw = request.queue.wait(
      {
        attempt: () => {
          const got = takeMessages(request, request.ctx.registry.clock());
          if (got.length > 0) finish(messagesResult(got));
          return got.length > 0;
        },
        expire: () => finish({}),
      },
      waitSeconds * 1000,
    );
    unwatch = request.ctx.onClientGone(withdraw);
  });
}

function messagesResult(messages: object[]): ActionResult {
  return messages.length === 0 ? {} : { Messages: messages };
}

export function deleteMessage(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  removeMessage(queue, requiredString(input, 'ReceiptHandle'));
  return {};
}

/** Deletes by receipt handle; a stale handle of this queue does nothing, as in SQS. */
export function removeMessage(queue: SqsQueue, handle: string): void {
  if (queue.delete(handle)) return;
  const parts = parseReceipt(handle);
  if (parts === undefined || parts.queueName !== queue.name) throw invalidReceipt(handle);
}

export function changeMessageVisibility(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const handle = requiredString(input, 'ReceiptHandle');
  const seconds = requiredInteger(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT);
  changeVisibility(queue, handle, seconds, ctx.now);
  return {};
}

export function changeVisibility(queue: SqsQueue, handle: string, seconds: number, now: number): void {
  switch (queue.changeVisibility(handle, seconds, now)) {
    case 'changed':
      return;
    case 'not-inflight':
      throw new SqsError(
        'MessageNotInflight',
        'The message is not in flight: its visibility timeout has ended.',
      );
    case 'over-limit':
      throw invalidParameter(
        'VisibilityTimeout',
        seconds,
        'a message can stay hidden at most 12 hours after the receive that returned this handle.',
      );
    case 'unknown': {
      const parts = parseReceipt(handle);
      if (parts === undefined || parts.queueName !== queue.name) throw invalidReceipt(handle);
      throw invalidParameter(
        'ReceiptHandle',
        handle,
        'the message was deleted or received again since this handle was issued.',
      );
    }
  }
}

function invalidReceipt(handle: string): SqsError {
  const shown = handle.length > 60 ? `${handle.slice(0, 60)}…` : handle;
  return new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${shown}" is not valid for this queue.`);
}
