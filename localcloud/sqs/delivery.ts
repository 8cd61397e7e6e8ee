/**
 * What a receive hands back for each message: the body and its MD5, the receipt handle, the system
 * attributes asked for (AttributeNames and MessageSystemAttributeNames together), and the message
 * attributes asked for with the MD5 of exactly those, as SDKs that verify it compute it.
 */
import { md5OfAttributes } from './checksums.js';
import { SqsError } from './errors.js';
import type { StoredMessage } from './message.js';
import { type AttributeSelector, attributeSelector, selectAttributes } from './message-content.js';
import { type Input, optionalStringList } from './params.js';

const SYSTEM_ATTRIBUTES = new Set([
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
]);

export interface DeliveryView {
  /** System attributes to return: 'all', or the names asked for (none when empty). */
  readonly system: 'all' | ReadonlySet<string>;
  readonly messageAttributes: AttributeSelector | undefined;
}

export function deliveryView(input: Input): DeliveryView {
  const names = [
    ...(optionalStringList(input, 'AttributeNames') ?? []),
    ...(optionalStringList(input, 'MessageSystemAttributeNames') ?? []),
  ];
  for (const name of names) {
    if (!SYSTEM_ATTRIBUTES.has(name)) {
      throw new SqsError('InvalidAttributeName', `Unknown message system attribute ${name}.`);
    }
  }
  return {
    system: names.includes('All') ? 'all' : new Set(names),
    messageAttributes: attributeSelector(optionalStringList(input, 'MessageAttributeNames')),
  };
}

export interface WireMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: object;
}

export function wireMessage(message: StoredMessage, view: DeliveryView): WireMessage {
  const out: WireMessage = {
    MessageId: message.id,
    ReceiptHandle: message.handle ?? '',
    MD5OfBody: message.bodyMd5,
    Body: message.body,
  };
  const system = systemAttributes(message, view.system);
  if (system !== undefined) out.Attributes = system;
  const selected = selectAttributes(message.attributes, view.messageAttributes);
  if (selected !== undefined) {
    out.MessageAttributes = selected;
    out.MD5OfMessageAttributes =
      selected === message.attributes ? message.attributesMd5 : md5OfAttributes(selected);
  }
  return out;
}

function systemAttributes(
  message: StoredMessage,
  wanted: 'all' | ReadonlySet<string>,
): Record<string, string> | undefined {
  if (wanted !== 'all' && wanted.size === 0) return undefined;
  const all: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    MessageGroupId: message.groupId,
    AWSTraceHeader: message.traceHeader,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const out: Record<string, string> = {};
  let any = false;
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined && (wanted === 'all' || wanted.has(name))) {
      out[name] = value;
      any = true;
    }
  }
  return any ? out : undefined;
}
