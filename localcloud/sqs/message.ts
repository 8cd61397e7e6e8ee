/** One message as a queue holds it, with everything SQS reports about it on receive. */

import type { Scheduled } from '../structures/schedule.js';
import { type MessageAttributes, md5Hex, md5OfAttributes } from './checksums.js';

export type MessageState = 'ready' | 'delayed' | 'inflight' | 'gone';

export class StoredMessage implements Scheduled {
  readonly id: string;
  readonly body: string;
  readonly attributes: MessageAttributes | undefined;
  readonly traceHeader: string | undefined;
  readonly groupId: string | undefined;
  readonly sentAt: number;
  readonly senderId: string;
  readonly bodyMd5: string;
  readonly attributesMd5: string | undefined;
  /** Set on a message a redrive policy moved here. */
  deadLetterSourceArn: string | undefined = undefined;
  receiveCount = 0;
  /** Epoch ms of the first receive, 0 before it. */
  firstReceivedAt = 0;
  /** Epoch ms of the latest receive: the 12-hour visibility limit counts from it. */
  receivedAt = 0;
  visibleAt = 0;
  heapIndex = -1;
  state: MessageState = 'ready';
  /** The handle of the latest receive, the only one that deletes the message. */
  handle: string | undefined = undefined;

  constructor(content: MessageContent, md5s?: { body: string; attributes: string | undefined }) {
    this.id = content.id;
    this.body = content.body;
    this.attributes = content.attributes;
    this.traceHeader = content.traceHeader;
    this.groupId = content.groupId;
    this.sentAt = content.sentAt;
    this.senderId = content.senderId;
    this.bodyMd5 = md5s?.body ?? md5Hex(content.body);
    this.attributesMd5 =
      md5s !== undefined ? md5s.attributes : content.attributes && md5OfAttributes(content.attributes);
  }

  /** A fresh record of the same message (same id, body, attributes and send time). */
  copy(): StoredMessage {
    const copy = new StoredMessage(this, { body: this.bodyMd5, attributes: this.attributesMd5 });
    copy.deadLetterSourceArn = this.deadLetterSourceArn;
    return copy;
  }
}

/** The fields a sender supplies; the rest is the queue's bookkeeping. */
export const CONTENT_FIELDS = [
  'id',
  'body',
  'attributes',
  'traceHeader',
  'groupId',
  'sentAt',
  'senderId',
] as const;

export type MessageContent = Pick<StoredMessage, (typeof CONTENT_FIELDS)[number]>;
