/**
 * Field transforms applied by the server at commit: server timestamps (the commit time),
 * increments (exact and saturating for integers, IEEE for doubles), maximum, minimum, and the two
 * array operations, with the rules write.proto spells out for missing fields, mixed number types
 * and NaN.
 */
import type { Micros } from './clock.js';
import { invalidArgument } from './errors.js';
import { type FieldPath, getField, parseFieldPath, setField } from './fields.js';
import { compareNumbers, valuesEqual } from './order.js';
import {
  decodeValue,
  double,
  type Fields,
  INT64_MAX,
  INT64_MIN,
  integer,
  isNumber,
  NULL,
  type Value,
} from './values.js';
import type { FieldTransform } from './wire.js';

export type Transform =
  | { readonly path: FieldPath; readonly kind: 'serverTime' }
  | { readonly path: FieldPath; readonly kind: 'increment' | 'maximum' | 'minimum'; readonly operand: Value }
  | { readonly path: FieldPath; readonly kind: 'append' | 'remove'; readonly elements: readonly Value[] };

export function parseTransform(wire: FieldTransform): Transform {
  const path = parseFieldPath(wire.fieldPath);
  switch (wire.transformType) {
    case 'setToServerValue':
      if (wire.setToServerValue !== 'REQUEST_TIME') {
        throw invalidArgument(`unknown server value ${wire.setToServerValue} for ${wire.fieldPath}`);
      }
      return { path, kind: 'serverTime' };
    case 'increment':
    case 'maximum':
    case 'minimum': {
      const operand = decodeValue(wire[wire.transformType]);
      if (!isNumber(operand))
        throw invalidArgument(`${wire.transformType} of ${wire.fieldPath} needs a number`);
      return { path, kind: wire.transformType, operand };
    }
    case 'appendMissingElements':
    case 'removeAllFromArray': {
      const elements = (wire[wire.transformType]?.values ?? []).map((v) => decodeValue(v, 1, true));
      return { path, kind: wire.transformType === 'appendMissingElements' ? 'append' : 'remove', elements };
    }
    default:
      throw invalidArgument(`field transform for ${wire.fieldPath} has no transform set`);
  }
}

export function applyTransforms(
  fields: Fields,
  transforms: readonly Transform[],
  commitTime: Micros,
): { fields: Fields; results: Value[] } {
  const results: Value[] = [];
  for (const t of transforms) {
    const { value, result } = transformed(getField(fields, t.path), t, commitTime);
    fields = setField(fields, t.path, value);
    results.push(result);
  }
  return { fields, results };
}

function transformed(
  current: Value | undefined,
  t: Transform,
  commitTime: Micros,
): { value: Value; result: Value } {
  switch (t.kind) {
    case 'serverTime': {
      const seconds = Math.floor(commitTime / 1e6);
      const value: Value = { type: 'timestamp', seconds, nanos: (commitTime - seconds * 1e6) * 1000 };
      return { value, result: value };
    }
    case 'increment': {
      const value = isNumber(current) ? add(current, t.operand) : t.operand;
      return { value, result: value };
    }
    case 'maximum':
    case 'minimum': {
      const value = isNumber(current)
        ? extreme(current, t.operand, t.kind === 'maximum' ? 1 : -1)
        : t.operand;
      return { value, result: value };
    }
    case 'append': {
      const values = current?.type === 'array' ? [...current.values] : [];
      for (const e of t.elements) if (!values.some((v) => valuesEqual(v, e))) values.push(e);
      return { value: { type: 'array', values }, result: NULL };
    }
    case 'remove': {
      const values = current?.type === 'array' ? current.values : [];
      const kept = values.filter((v) => !t.elements.some((e) => valuesEqual(v, e)));
      return { value: { type: 'array', values: kept }, result: NULL };
    }
  }
}

type NumberValue = Extract<Value, { type: 'integer' | 'double' }>;

function add(a: NumberValue, b: Value): Value {
  const n = b as NumberValue;
  if (a.type === 'integer' && n.type === 'integer') {
    const sum = a.value + n.value;
    return integer(sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : sum);
  }
  return double(Number(a.value) + Number(n.value));
}

/** `sign` 1 keeps the larger, -1 the smaller; equivalent operands keep the stored value. */
function extreme(current: NumberValue, operand: Value, sign: 1 | -1): Value {
  const n = operand as NumberValue;
  if (current.type === 'double' && Number.isNaN(current.value)) return current;
  if (n.type === 'double' && Number.isNaN(n.value)) return n;
  return compareNumbers(n, current) * sign > 0 ? n : current;
}
