/**
 * Aggregation queries: COUNT (with `up_to`), SUM and AVG over the documents a query returns (its
 * cursors, offset and limit applied first). SUM stays an exact integer while every summed value
 * is one and the total fits in 64 bits, and becomes a double otherwise; AVG is always a double,
 * null when no document has a number in the field. Values that are not numbers are skipped.
 */
import { invalidArgument } from './errors.js';
import { type FieldPath, parseFieldPath } from './fields.js';
import { fieldValue } from './filters.js';
import type { ParentName } from './names.js';
import { planQuery, type QueryPlan } from './query.js';
import type { StoredDocument } from './store.js';
import { double, INT64_MAX, INT64_MIN, integer, NULL, type Value } from './values.js';
import type { Aggregation, StructuredQuery } from './wire.js';

const MAX_AGGREGATIONS = 5;

type Aggregate =
  | { readonly alias: string; readonly kind: 'count'; readonly upTo: number | undefined }
  | { readonly alias: string; readonly kind: 'sum' | 'avg'; readonly path: FieldPath };

export interface AggregationPlan {
  readonly query: QueryPlan;
  readonly aggregates: readonly Aggregate[];
}

export function planAggregation(
  parent: ParentName,
  request: { structuredQuery?: StructuredQuery; aggregations?: Aggregation[] } | undefined,
): AggregationPlan {
  const query = planQuery(parent, request?.structuredQuery);
  const wire = request?.aggregations ?? [];
  if (wire.length === 0 || wire.length > MAX_AGGREGATIONS) {
    throw invalidArgument(`an aggregation query needs 1 to ${MAX_AGGREGATIONS} aggregations`);
  }
  const aliases = new Set<string>();
  const aggregates = wire.map((a, i) => {
    const alias = a.alias === undefined || a.alias === '' ? `field_${i + 1}` : a.alias;
    if (aliases.has(alias)) throw invalidArgument(`aggregation alias ${alias} is used twice`);
    aliases.add(alias);
    return aggregate(a, alias);
  });
  return { query, aggregates };
}

function aggregate(a: Aggregation, alias: string): Aggregate {
  switch (a.operator) {
    case 'count': {
      const upTo = a.count?.upTo?.value;
      if (upTo !== undefined && Number(upTo) <= 0) throw invalidArgument('count up_to must be positive');
      return { alias, kind: 'count', upTo: upTo === undefined ? undefined : Number(upTo) };
    }
    case 'sum':
    case 'avg':
      return { alias, kind: a.operator, path: parseFieldPath(a[a.operator]?.field?.fieldPath) };
    default:
      throw invalidArgument('an aggregation must be a count, sum or avg');
  }
}

export function aggregateDocuments(
  plan: AggregationPlan,
  docs: readonly StoredDocument[],
): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const a of plan.aggregates) {
    if (a.kind === 'count') {
      out.set(a.alias, integer(BigInt(a.upTo === undefined ? docs.length : Math.min(docs.length, a.upTo))));
    } else {
      out.set(a.alias, a.kind === 'sum' ? sum(docs, a.path) : average(docs, a.path));
    }
  }
  return out;
}

interface Totals {
  readonly count: number;
  readonly integers: bigint;
  readonly doubles: number;
  readonly sawDouble: boolean;
}

function totals(docs: readonly StoredDocument[], path: FieldPath): Totals {
  let count = 0;
  let integers = 0n;
  let doubles = 0;
  let sawDouble = false;
  for (const doc of docs) {
    const v = fieldValue(doc, path);
    if (v?.type === 'integer') integers += v.value;
    else if (v?.type === 'double') {
      doubles += v.value;
      sawDouble = true;
    } else continue;
    count++;
  }
  return { count, integers, doubles, sawDouble };
}

function sum(docs: readonly StoredDocument[], path: FieldPath): Value {
  const t = totals(docs, path);
  if (!t.sawDouble && t.integers <= INT64_MAX && t.integers >= INT64_MIN) return integer(t.integers);
  return double(Number(t.integers) + t.doubles);
}

function average(docs: readonly StoredDocument[], path: FieldPath): Value {
  const t = totals(docs, path);
  if (t.count === 0) return NULL;
  return double((Number(t.integers) + t.doubles) / t.count);
}
