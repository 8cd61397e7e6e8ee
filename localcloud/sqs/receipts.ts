/**
 * Receipt handles. Opaque to clients, but the stand-in must tell a malformed handle (an error)
 * from a well-formed stale one (deleting with it succeeds and does nothing, as in SQS), so a
 * handle encodes the queue, the message and which receive issued it.
 */
import { randomBytes } from 'node:crypto';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECODED = /^([A-Za-z0-9_-]+):([0-9a-z]+):([0-9a-f-]{36}):([A-Za-z0-9_-]{1,80})$/;

export class ReceiptIssuer {
  private counter = 0;
  /** Differs per start, so a handle from before a restart never collides with a new one. */
  private readonly epoch = randomBytes(6).toString('base64url');

  issue(queueName: string, messageId: string): string {
    this.counter++;
    const text = `${this.epoch}:${this.counter.toString(36)}:${messageId}:${queueName}`;
    return Buffer.from(text, 'latin1').toString('base64');
  }
}

export interface ReceiptParts {
  readonly queueName: string;
  readonly messageId: string;
}

/** The parts of a well-formed handle, or undefined for a malformed one. */
export function parseReceipt(handle: string): ReceiptParts | undefined {
  if (handle.length > 1024 || !BASE64.test(handle)) return undefined;
  const match = DECODED.exec(Buffer.from(handle, 'base64').toString('latin1'));
  if (match === null) return undefined;
  return { messageId: match[3]!, queueName: match[4]! };
}
