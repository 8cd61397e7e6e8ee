/**
 * A StructuredQuery checked and normalised into a plan, the way the service normalises it: the
 * explicit orderings, then the inequality field if not already ordered, then `__name__`, the
 * implicit ones in the direction of the last explicit one. Ordering by a field also requires it
 * to exist. Only queries over one collection are planned; collection groups, kindless queries and
 * vector search are refused by name.
 */
import { invalidArgument, unimplemented } from './errors.js';
import { type FieldPath, formatFieldPath, parseFieldPath } from './fields.js';
import { compileWhere, fieldValue, isName, NAME_FIELD, type Predicate } from './filters.js';
import { checkCollectionId, collectionPath, type ParentName } from './names.js';
import { decodeValue, type Value } from './values.js';
import type { StructuredQuery, WireCursor } from './wire.js';

export interface Order {
  readonly path: FieldPath;
  readonly descending: boolean;
}

/** A cursor: a position given by values for the first orderings. */
export interface Bound {
  readonly values: readonly Value[];
  /** Whether the position is just before the values (startAt, endBefore) or just after. */
  readonly before: boolean;
}

export interface QueryPlan {
  readonly database: string;
  /** The collection path below `documents/`. */
  readonly collection: string;
  readonly predicates: readonly Predicate[];
  readonly orders: readonly Order[];
  readonly startAt: Bound | undefined;
  readonly endAt: Bound | undefined;
  readonly offset: number;
  readonly limit: number | undefined;
  /** Fields to return; undefined for all of them. */
  readonly projection: readonly FieldPath[] | undefined;
}

export function planQuery(parent: ParentName, query: StructuredQuery | undefined): QueryPlan {
  if (query === undefined) throw invalidArgument('the request needs a structured_query');
  if (query.findNearest !== undefined) throw unimplemented('vector search (find_nearest)');
  const collection = collectionOf(parent, query);
  const filters = compileWhere(query.where);
  const orders = orderings(query, filters.inequality);
  const existence: Predicate[] = orders
    .filter((o) => !isName(o.path))
    .map((o) => (doc) => fieldValue(doc, o.path) !== undefined);
  const offset = query.offset ?? 0;
  const limit = query.limit?.value;
  if (offset < 0) throw invalidArgument('offset must not be negative');
  if (limit !== undefined && limit < 0) throw invalidArgument('limit must not be negative');
  return {
    database: parent.database,
    collection,
    predicates: [...filters.predicates, ...existence],
    orders,
    startAt: bound(query.startAt, orders, 'start_at'),
    endAt: bound(query.endAt, orders, 'end_at'),
    offset,
    limit,
    projection: projection(query),
  };
}

function collectionOf(parent: ParentName, query: StructuredQuery): string {
  const from = query.from ?? [];
  if (from.length !== 1) throw invalidArgument('a query must select exactly one collection in from');
  const selector = from[0]!;
  if (selector.allDescendants === true) {
    throw unimplemented('collection group queries (all_descendants)');
  }
  if (selector.collectionId === undefined || selector.collectionId === '') {
    throw unimplemented('kindless queries (from without a collection_id)');
  }
  return collectionPath(parent.path, checkCollectionId(selector.collectionId));
}

function orderings(query: StructuredQuery, inequality: FieldPath | undefined): Order[] {
  const orders: Order[] = [];
  const seen = new Set<string>();
  for (const o of query.orderBy ?? []) {
    const path = parseFieldPath(o.field?.fieldPath);
    const key = formatFieldPath(path);
    if (seen.has(key)) throw invalidArgument(`order by ${key} appears more than once`);
    seen.add(key);
    orders.push({ path, descending: o.direction === 'DESCENDING' });
  }
  const descending = orders.length > 0 && orders[orders.length - 1]!.descending;
  if (inequality !== undefined && !seen.has(formatFieldPath(inequality))) {
    orders.push({ path: inequality, descending });
    seen.add(formatFieldPath(inequality));
  }
  if (!seen.has(NAME_FIELD)) orders.push({ path: [NAME_FIELD], descending });
  return orders;
}

function bound(cursor: WireCursor | undefined, orders: readonly Order[], what: string): Bound | undefined {
  if (cursor === undefined) return undefined;
  const values = (cursor.values ?? []).map((v) => decodeValue(v, 0, false, true));
  if (values.length > orders.length) {
    throw invalidArgument(`${what} has ${values.length} values but the query has ${orders.length} orderings`);
  }
  values.forEach((v, i) => {
    if (isName(orders[i]!.path) && v.type !== 'reference') {
      throw invalidArgument(`${what}: the cursor value for __name__ must be a document reference`);
    }
  });
  return { values, before: cursor.before === true };
}

function projection(query: StructuredQuery): FieldPath[] | undefined {
  const fields = query.select?.fields ?? [];
  if (fields.length === 0) return undefined;
  return fields.map((f) => parseFieldPath(f.fieldPath)).filter((p) => !isName(p));
}
