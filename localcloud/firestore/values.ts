/**
 * Document values as the stand-in keeps them, decoded once from the wire: integers as bigint so
 * that int64 stays exact (never through a double), timestamps truncated to microseconds as the
 * service stores them, maps as Maps. Stored values are never mutated; writes build new ones.
 */
import { invalidArgument } from './errors.js';
import { parseDocumentName } from './names.js';
import type { WireValue } from './wire.js';

export type Fields = ReadonlyMap<string, Value>;

export type Value =
  | { readonly type: 'null' }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'integer'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'timestamp'; readonly seconds: number; readonly nanos: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Buffer }
  | { readonly type: 'reference'; readonly value: string }
  | { readonly type: 'geoPoint'; readonly latitude: number; readonly longitude: number }
  | { readonly type: 'array'; readonly values: readonly Value[] }
  | { readonly type: 'map'; readonly fields: Fields };

export const NULL: Value = Object.freeze({ type: 'null' });
export const EMPTY_FIELDS: Fields = new Map();

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
/** How deeply maps and arrays may nest in a document. */
const MAX_DEPTH = 20;
const MIN_SECONDS = -62_135_596_800; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

export function integer(value: bigint): Value {
  return { type: 'integer', value };
}

export function double(value: number): Value {
  return { type: 'double', value };
}

export function decodeFields(fields: Record<string, WireValue> | undefined, depth = 0): Fields {
  const out = new Map<string, Value>();
  if (fields === undefined) return out;
  for (const [key, value] of Object.entries(fields)) out.set(key, decodeValue(value, depth, false));
  return out;
}

/**
 * `lenient` is for query operands: `in` and `array-contains-any` take arrays of values that may
 * themselves be arrays, which documents cannot hold.
 */
export function decodeValue(wire: WireValue | undefined, depth = 0, inArray = false, lenient = false): Value {
  if (depth > MAX_DEPTH) throw invalidArgument(`a value nests maps and arrays deeper than ${MAX_DEPTH}`);
  switch (wire?.valueType) {
    case 'nullValue':
      return NULL;
    case 'booleanValue':
      return { type: 'boolean', value: wire.booleanValue === true };
    case 'integerValue':
      return integer(BigInt(wire.integerValue ?? 0));
    case 'doubleValue':
      return double(wire.doubleValue ?? 0);
    case 'timestampValue':
      return decodeTimestamp(wire.timestampValue);
    case 'stringValue':
      return { type: 'string', value: wire.stringValue ?? '' };
    case 'bytesValue':
      return { type: 'bytes', value: Buffer.from(wire.bytesValue ?? []) };
    case 'referenceValue':
      parseDocumentName(wire.referenceValue);
      return { type: 'reference', value: wire.referenceValue! };
    case 'geoPointValue':
      return decodeGeoPoint(wire.geoPointValue);
    case 'arrayValue':
      if (inArray && !lenient) throw invalidArgument('an array value cannot directly contain another array');
      return {
        type: 'array',
        values: (wire.arrayValue?.values ?? []).map((v) => decodeValue(v, depth + 1, true, lenient)),
      };
    case 'mapValue':
      return { type: 'map', fields: decodeFields(wire.mapValue?.fields, depth + 1) };
    default:
      throw invalidArgument(`unsupported value type ${wire?.valueType ?? '(none set)'} in a document`);
  }
}

function decodeTimestamp(t: { seconds?: string | number; nanos?: number } | undefined): Value {
  const seconds = Number(t?.seconds ?? 0);
  const nanos = t?.nanos ?? 0;
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS) || nanos < 0 || nanos > 999_999_999) {
    throw invalidArgument('a timestamp value is outside 0001-01-01 to 9999-12-31');
  }
  return { type: 'timestamp', seconds, nanos: nanos - (nanos % 1000) };
}

function decodeGeoPoint(g: { latitude?: number; longitude?: number } | undefined): Value {
  const latitude = g?.latitude ?? 0;
  const longitude = g?.longitude ?? 0;
  if (!(latitude >= -90 && latitude <= 90) || !(longitude >= -180 && longitude <= 180)) {
    throw invalidArgument('a geo point must have a latitude in [-90, 90] and a longitude in [-180, 180]');
  }
  return { type: 'geoPoint', latitude, longitude };
}

export function encodeFields(fields: Fields): Record<string, WireValue> {
  const out: Record<string, WireValue> = {};
  for (const [key, value] of fields) out[key] = encodeValue(value);
  return out;
}

export function encodeValue(value: Value): WireValue {
  switch (value.type) {
    case 'null':
      return { nullValue: 'NULL_VALUE' };
    case 'boolean':
      return { booleanValue: value.value };
    case 'integer':
      return { integerValue: value.value.toString() };
    case 'double':
      return { doubleValue: value.value };
    case 'timestamp':
      return { timestampValue: { seconds: value.seconds, nanos: value.nanos } };
    case 'string':
      return { stringValue: value.value };
    case 'bytes':
      return { bytesValue: value.value };
    case 'reference':
      return { referenceValue: value.value };
    case 'geoPoint':
      return { geoPointValue: { latitude: value.latitude, longitude: value.longitude } };
    case 'array':
      return { arrayValue: { values: value.values.map(encodeValue) } };
    case 'map':
      return { mapValue: { fields: encodeFields(value.fields) } };
  }
}

/**
 * Whether two values are stored identically (type included: 1 and 1.0 differ). A write that
 * leaves a document identical keeps its update time, as the service reports.
 */
export function identical(a: Value, b: Value): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'null':
      return true;
    case 'boolean':
    case 'integer':
    case 'string':
    case 'reference':
      return a.value === (b as typeof a).value;
    case 'double':
      return Object.is(a.value, (b as typeof a).value);
    case 'timestamp':
      return a.seconds === (b as typeof a).seconds && a.nanos === (b as typeof a).nanos;
    case 'bytes':
      return a.value.equals((b as typeof a).value);
    case 'geoPoint':
      return a.latitude === (b as typeof a).latitude && a.longitude === (b as typeof a).longitude;
    case 'array': {
      const other = (b as typeof a).values;
      return a.values.length === other.length && a.values.every((v, i) => identical(v, other[i]!));
    }
    case 'map':
      return identicalFields(a.fields, (b as typeof a).fields);
  }
}

export function identicalFields(a: Fields, b: Fields): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other === undefined || !identical(value, other)) return false;
  }
  return true;
}

export function isNumber(v: Value | undefined): v is Extract<Value, { type: 'integer' | 'double' }> {
  return v !== undefined && (v.type === 'integer' || v.type === 'double');
}
