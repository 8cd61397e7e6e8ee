/**
 * What a sent message may contain: the body's allowed characters, user message attributes (names,
 * data types, values, at most ten), the one settable system attribute, and how much all of it
 * weighs against the queue's MaximumMessageSize. Also which attributes a receive asks back.
 */
import type { MessageAttribute, MessageAttributes } from './checksums.js';
import { invalidParameter, SqsError } from './errors.js';
import { isObject } from './params.js';

export const MAX_MESSAGE_ATTRIBUTES = 10;

/** Anything outside XML 1.0's Char production; the `u` flag makes lone surrogates match too. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkBody(body: string): void {
  const bad = NOT_XML_CHAR.exec(body);
  if (bad === null) return;
  const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
  throw new SqsError(
    'InvalidMessageContents',
    `The message body holds the character #x${code}, which SQS does not accept. Allowed are ` +
      '#x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF (XML 1.0 characters).',
  );
}

const NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_NAME = /^(aws|amazon)\./i;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;
const MAX_DATA_TYPE = 256;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface ReadAttributes {
  readonly attributes: MessageAttributes | undefined;
  /** Bytes of names, data types and values, as SQS counts them toward the message size. */
  readonly size: number;
}

export function readMessageAttributes(raw: unknown): ReadAttributes {
  if (raw === undefined || raw === null) return { attributes: undefined, size: 0 };
  if (!isObject(raw)) throw invalidParameter('MessageAttributes', raw, 'must be a map.');
  const names = Object.keys(raw);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new SqsError(
      'InvalidParameterValue',
      `A message may carry at most ${MAX_MESSAGE_ATTRIBUTES} message attributes; this one has ${names.length}.`,
    );
  }
  if (names.length === 0) return { attributes: undefined, size: 0 };
  const attributes: Record<string, MessageAttribute> = {};
  let size = 0;
  for (const name of names) {
    checkAttributeName(name);
    const attribute = readAttributeValue(name, raw[name]);
    attributes[name] = attribute;
    size += Buffer.byteLength(name, 'utf8') + attributeSize(attribute);
  }
  return { attributes, size };
}

function checkAttributeName(name: string): void {
  let reason: string | undefined;
  if (!NAME.test(name)) reason = 'use 1 to 256 of A-Z a-z 0-9 _ - .';
  else if (RESERVED_NAME.test(name)) reason = 'names starting with AWS. or Amazon. are reserved';
  else if (name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    reason = 'a name cannot start or end with a period or hold two periods in a row';
  }
  if (reason !== undefined) {
    throw new SqsError('InvalidParameterValue', `Message attribute name '${name}' is invalid: ${reason}.`);
  }
}

function readAttributeValue(name: string, raw: unknown): MessageAttribute {
  const fail = (reason: string) =>
    new SqsError('InvalidParameterValue', `Message attribute '${name}' is invalid: ${reason}.`);
  if (!isObject(raw)) throw fail('its value must be an object with DataType and a value');
  const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = raw;
  if (typeof DataType !== 'string' || DataType === '') throw fail('it has no DataType');
  if (DataType.length > MAX_DATA_TYPE || !DATA_TYPE.test(DataType)) {
    throw fail(
      `DataType ${JSON.stringify(DataType)} must be String, Number or Binary, optionally with a .label`,
    );
  }
  if (isNonEmptyList(StringListValues) || isNonEmptyList(BinaryListValues)) {
    throw fail('StringListValues and BinaryListValues are reserved by SQS and not accepted');
  }
  if (DataType.startsWith('Binary')) {
    if (StringValue !== undefined && StringValue !== null) throw fail('a Binary attribute takes BinaryValue');
    if (typeof BinaryValue !== 'string' || BinaryValue === '') throw fail('it needs a non-empty BinaryValue');
    if (!BASE64.test(BinaryValue)) throw fail('BinaryValue must be base64');
    return { DataType, BinaryValue };
  }
  if (BinaryValue !== undefined && BinaryValue !== null)
    throw fail(`a ${DataType} attribute takes StringValue`);
  if (typeof StringValue !== 'string' || StringValue === '') throw fail('it needs a non-empty StringValue');
  if (DataType.startsWith('Number') && !NUMBER.test(StringValue)) {
    throw fail(`${JSON.stringify(StringValue)} is not a number`);
  }
  if (NOT_XML_CHAR.test(StringValue)) throw fail('StringValue holds characters outside XML 1.0');
  return { DataType, StringValue };
}

function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function attributeSize(attribute: MessageAttribute): number {
  const value =
    attribute.BinaryValue !== undefined
      ? Buffer.byteLength(attribute.BinaryValue, 'base64')
      : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  return Buffer.byteLength(attribute.DataType, 'utf8') + value;
}

/** The trace header, the only system attribute a sender may set; SQS does not count its size. */
export function readTraceHeader(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw invalidParameter('MessageSystemAttributes', raw, 'must be a map.');
  let header: string | undefined;
  for (const [name, value] of Object.entries(raw)) {
    if (name !== 'AWSTraceHeader') {
      throw new SqsError(
        'InvalidParameterValue',
        `Message system attribute '${name}' cannot be set; the only one a sender may set is AWSTraceHeader.`,
      );
    }
    if (!isObject(value) || value.DataType !== 'String' || typeof value.StringValue !== 'string') {
      throw new SqsError('InvalidParameterValue', 'AWSTraceHeader must be a String with a StringValue.');
    }
    header = value.StringValue;
  }
  return header;
}

/** Which message attributes a receive returns: all, some names, some `prefix.*` families, none. */
export interface AttributeSelector {
  readonly all: boolean;
  readonly names: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

export function attributeSelector(requested: readonly string[] | undefined): AttributeSelector | undefined {
  if (requested === undefined || requested.length === 0) return undefined;
  if (requested.includes('All') || requested.includes('.*')) {
    return { all: true, names: new Set(), prefixes: [] };
  }
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const name of requested) {
    if (name.endsWith('.*')) prefixes.push(name.slice(0, -1));
    else names.add(name);
  }
  return { all: false, names, prefixes };
}

export function selectAttributes(
  attributes: MessageAttributes | undefined,
  selector: AttributeSelector | undefined,
): MessageAttributes | undefined {
  if (attributes === undefined || selector === undefined) return undefined;
  if (selector.all) return attributes;
  let selected: Record<string, MessageAttribute> | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (selector.names.has(name) || selector.prefixes.some((p) => name.startsWith(p))) {
      selected ??= {};
      selected[name] = value;
    }
  }
  return selected;
}
