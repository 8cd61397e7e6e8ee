/**
 * How Firestore orders values: first by type (null, booleans, numbers, timestamps, strings, bytes,
 * references, geo points, arrays, vectors, maps), then within the type. Integers and doubles are
 * one type compared by exact numeric value (1 equals 1.0; NaN sorts before every other number and
 * equals itself), so a query or transform never rounds a 64-bit integer through a double.
 */
import { compareNames, compareUtf8 } from './names.js';
import type { Fields, Value } from './values.js';

const RANK = {
  null: 0,
  boolean: 1,
  integer: 2,
  double: 2,
  timestamp: 3,
  string: 4,
  bytes: 5,
  reference: 6,
  geoPoint: 7,
  array: 8,
  map: 10,
} as const;
const VECTOR_RANK = 9;

/** The type class a value sorts in; range filters only match values of the filter's class. */
export function typeRank(v: Value): number {
  return v.type === 'map' && isVector(v.fields) ? VECTOR_RANK : RANK[v.type];
}

function isVector(fields: Fields): boolean {
  const tag = fields.get('__type__');
  return tag?.type === 'string' && tag.value === '__vector__';
}

export function compareValues(a: Value, b: Value): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (a.type) {
    case 'null':
      return 0;
    case 'boolean':
      return Number(a.value) - Number((b as typeof a).value);
    case 'integer':
    case 'double':
      return compareNumbers(a, b as NumberValue);
    case 'timestamp':
      return a.seconds - (b as typeof a).seconds || a.nanos - (b as typeof a).nanos;
    case 'string':
      return compareUtf8(a.value, (b as typeof a).value);
    case 'bytes':
      return Buffer.compare(a.value, (b as typeof a).value);
    case 'reference':
      return compareNames(a.value, (b as typeof a).value);
    case 'geoPoint':
      return (
        compareDoubles(a.latitude, (b as typeof a).latitude) ||
        compareDoubles(a.longitude, (b as typeof a).longitude)
      );
    case 'array':
      return compareArrays(a.values, (b as typeof a).values);
    case 'map':
      return ra === VECTOR_RANK
        ? compareVectors(a.fields, (b as typeof a).fields)
        : compareMaps(a.fields, (b as typeof a).fields);
  }
}

export function valuesEqual(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

type NumberValue = Extract<Value, { type: 'integer' | 'double' }>;

export function compareNumbers(a: NumberValue, b: NumberValue): number {
  if (a.type === 'integer') {
    if (b.type === 'integer') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    return 0 - compareDoubleToInteger(b.value, a.value);
  }
  if (b.type === 'double') return compareDoubles(a.value, b.value);
  return compareDoubleToInteger(a.value, b.value);
}

/** NaN first and equal to itself; -0 equals 0. */
function compareDoubles(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact: the double is never rounded to an integer nor the integer to a double. */
function compareDoubleToInteger(d: number, i: bigint): number {
  if (Number.isNaN(d)) return -1;
  if (d === Number.POSITIVE_INFINITY) return 1;
  if (d === Number.NEGATIVE_INFINITY) return -1;
  const floor = BigInt(Math.floor(d));
  if (floor < i) return -1;
  if (floor > i) return 1;
  return Number.isInteger(d) ? 0 : 1;
}

function compareArrays(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareMaps(a: Fields, b: Fields): number {
  const ka = [...a.keys()].sort(compareUtf8);
  const kb = [...b.keys()].sort(compareUtf8);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(ka[i]!, kb[i]!) || compareValues(a.get(ka[i]!)!, b.get(kb[i]!)!);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}

/** Vectors order by dimension first, then element by element. */
function compareVectors(a: Fields, b: Fields): number {
  const va = a.get('value');
  const vb = b.get('value');
  const xa = va?.type === 'array' ? va.values : [];
  const xb = vb?.type === 'array' ? vb.values : [];
  return xa.length - xb.length || compareArrays(xa, xb);
}
