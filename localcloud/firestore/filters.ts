/**
 * Query filters compiled to predicates, with the service's matching rules: a filter never matches
 * a document lacking the field; range filters only match values of the operand's type class
 * (`> 5` skips strings); `!=` and `not-in` also skip null; numbers compare by value across integer
 * and double. Only conjunctions are accepted — an OR, or inequalities on two fields, is refused
 * rather than answered differently from the service.
 */
import { invalidArgument, unimplemented } from './errors.js';
import { type FieldPath, formatFieldPath, getField, parseFieldPath } from './fields.js';
import { compareValues, typeRank, valuesEqual } from './order.js';
import type { StoredDocument } from './store.js';
import { decodeValue, type Value } from './values.js';
import type { WireFilter } from './wire.js';

export type Predicate = (doc: StoredDocument) => boolean;

export const NAME_FIELD = '__name__';

export interface CompiledFilters {
  readonly predicates: Predicate[];
  /** The one field with inequality filters, if any. */
  readonly inequality: FieldPath | undefined;
}

const INEQUALITIES = new Set([
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'NOT_EQUAL',
  'NOT_IN',
  'IS_NOT_NULL',
  'IS_NOT_NAN',
]);
const MAX_DISJUNCTION = 30;
const MAX_NOT_IN = 10;

export function isName(path: FieldPath): boolean {
  return path.length === 1 && path[0] === NAME_FIELD;
}

/** A field's value in a document; `__name__` is the document's own reference. */
export function fieldValue(doc: StoredDocument, path: FieldPath): Value | undefined {
  return isName(path) ? { type: 'reference', value: doc.name } : getField(doc.fields, path);
}

interface Leaf {
  readonly path: FieldPath;
  readonly op: string;
  readonly predicate: Predicate;
}

export function compileWhere(where: WireFilter | undefined): CompiledFilters {
  const leaves: Leaf[] = [];
  if (where !== undefined) flatten(where, leaves);
  const inequalityFields = new Map<string, FieldPath>();
  for (const leaf of leaves) {
    if (INEQUALITIES.has(leaf.op)) inequalityFields.set(formatFieldPath(leaf.path), leaf.path);
  }
  if (inequalityFields.size > 1) {
    throw unimplemented(
      `inequality filters on more than one field (${[...inequalityFields.keys()].join(', ')})`,
    );
  }
  const count = (ops: string[]) => leaves.filter((l) => ops.includes(l.op)).length;
  if (count(['ARRAY_CONTAINS', 'ARRAY_CONTAINS_ANY']) > 1) {
    throw invalidArgument('a query can have at most one array-contains or array-contains-any filter');
  }
  if (count(['NOT_IN']) > 1 || (count(['NOT_IN']) === 1 && count(['NOT_EQUAL']) > 0)) {
    throw invalidArgument('a query can have at most one not-in filter, and not together with !=');
  }
  return { predicates: leaves.map((l) => l.predicate), inequality: [...inequalityFields.values()][0] };
}

function flatten(filter: WireFilter, into: Leaf[]): void {
  switch (filter.filterType) {
    case 'compositeFilter': {
      const op = filter.compositeFilter?.op;
      if (op === 'OR') throw unimplemented('OR filters (a composite filter with op OR)');
      if (op !== 'AND') throw invalidArgument(`composite filter operator ${op ?? '(unset)'} is not valid`);
      for (const f of filter.compositeFilter?.filters ?? []) flatten(f, into);
      return;
    }
    case 'fieldFilter':
      into.push(fieldFilter(filter.fieldFilter ?? {}));
      return;
    case 'unaryFilter':
      into.push(unaryFilter(filter.unaryFilter ?? {}));
      return;
    default:
      throw invalidArgument('a filter must be a composite, field or unary filter');
  }
}

function fieldFilter(f: NonNullable<WireFilter['fieldFilter']>): Leaf {
  const path = parseFieldPath(f.field?.fieldPath);
  const op = f.op ?? 'OPERATOR_UNSPECIFIED';
  const operand = decodeValue(f.value, 0, false, true);
  const where = `filter ${op} on ${formatFieldPath(path)}`;
  if (isName(path)) checkNameOperand(op, operand, where);
  const predicate =
    valueFilter(op, path, operand) ??
    listFilter(
      op,
      path,
      () => listOperand(operand, op === 'NOT_IN' ? MAX_NOT_IN : MAX_DISJUNCTION, where),
      where,
    );
  return { path, op, predicate };
}

const RANGES: Record<string, (c: number) => boolean> = {
  EQUAL: (c) => c === 0,
  LESS_THAN: (c) => c < 0,
  LESS_THAN_OR_EQUAL: (c) => c <= 0,
  GREATER_THAN: (c) => c > 0,
  GREATER_THAN_OR_EQUAL: (c) => c >= 0,
};

/** The filters whose operand is a single value. */
function valueFilter(op: string, path: FieldPath, operand: Value): Predicate | undefined {
  const range = RANGES[op];
  if (range !== undefined) {
    const rank = typeRank(operand);
    return (doc) => {
      const v = fieldValue(doc, path);
      return v !== undefined && typeRank(v) === rank && range(compareValues(v, operand));
    };
  }
  if (op === 'NOT_EQUAL') {
    return (doc) => {
      const v = fieldValue(doc, path);
      return v !== undefined && v.type !== 'null' && !valuesEqual(v, operand);
    };
  }
  if (op === 'ARRAY_CONTAINS') {
    return (doc) => {
      const v = fieldValue(doc, path);
      return v?.type === 'array' && v.values.some((e) => valuesEqual(e, operand));
    };
  }
  return undefined;
}

function listFilter(op: string, path: FieldPath, list: () => readonly Value[], where: string): Predicate {
  const has = (values: readonly Value[], v: Value) => values.some((x) => valuesEqual(x, v));
  switch (op) {
    case 'IN': {
      const values = list();
      return (doc) => {
        const v = fieldValue(doc, path);
        return v !== undefined && has(values, v);
      };
    }
    case 'NOT_IN': {
      const values = list();
      if (values.some((v) => v.type === 'null')) return () => false;
      return (doc) => {
        const v = fieldValue(doc, path);
        return v !== undefined && v.type !== 'null' && !has(values, v);
      };
    }
    case 'ARRAY_CONTAINS_ANY': {
      const values = list();
      return (doc) => {
        const v = fieldValue(doc, path);
        return v?.type === 'array' && v.values.some((e) => has(values, e));
      };
    }
    default:
      throw invalidArgument(`${where}: unknown operator`);
  }
}

function unaryFilter(f: NonNullable<WireFilter['unaryFilter']>): Leaf {
  const path = parseFieldPath(f.field?.fieldPath);
  const op = f.op ?? 'OPERATOR_UNSPECIFIED';
  const nan = (v: Value | undefined) => v?.type === 'double' && Number.isNaN(v.value);
  const tests: Record<string, (v: Value | undefined) => boolean> = {
    IS_NULL: (v) => v?.type === 'null',
    IS_NAN: nan,
    IS_NOT_NULL: (v) => v !== undefined && v.type !== 'null',
    IS_NOT_NAN: (v) => v !== undefined && v.type !== 'null' && !nan(v),
  };
  const test = tests[op];
  if (test === undefined)
    throw invalidArgument(`unary filter on ${formatFieldPath(path)}: unknown operator ${op}`);
  return { path, op, predicate: (doc) => test(fieldValue(doc, path)) };
}

function listOperand(operand: Value, max: number, where: string): readonly Value[] {
  if (operand.type !== 'array' || operand.values.length === 0) {
    throw invalidArgument(`${where} needs a non-empty array of values`);
  }
  if (operand.values.length > max) throw invalidArgument(`${where} allows at most ${max} values`);
  return operand.values;
}

/** `__name__` compares document references; anything else there is a mistake the service refuses. */
function checkNameOperand(op: string, operand: Value, where: string): void {
  if (op === 'ARRAY_CONTAINS' || op === 'ARRAY_CONTAINS_ANY')
    throw invalidArgument(`${where} is not allowed`);
  const values =
    op === 'IN' || op === 'NOT_IN' ? (operand.type === 'array' ? operand.values : []) : [operand];
  if (values.some((v) => v.type !== 'reference')) {
    throw invalidArgument(`${where}: __name__ filters need document reference values`);
  }
}
