/**
 * The MD5 digests SQS returns so clients can check what it stored: of the body, and of message
 * attributes in SQS's documented binary encoding (names sorted; each as length-prefixed name,
 * length-prefixed data type, a transport byte, length-prefixed value; lengths 4-byte big-endian).
 */
import { createHash, hash } from 'node:crypto';

/** One message attribute as it travels in AWS JSON: binary values are base64 text. */
export interface MessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export type MessageAttributes = Readonly<Record<string, MessageAttribute>>;

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

export function md5Hex(text: string): string {
  // The one-shot form: a hash object per message costs more than the digest itself.
  return hash('md5', text, 'hex');
}

export function md5OfAttributes(attributes: MessageAttributes): string {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    pushLengthPrefixed(parts, Buffer.from(name, 'utf8'));
    pushLengthPrefixed(parts, Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.of(BINARY_TRANSPORT));
      pushLengthPrefixed(parts, Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.of(STRING_TRANSPORT));
      pushLengthPrefixed(parts, Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return createHash('md5').update(Buffer.concat(parts)).digest('hex');
}

function pushLengthPrefixed(parts: Buffer[], bytes: Buffer): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  parts.push(length, bytes);
}
