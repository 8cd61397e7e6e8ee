/**
 * Runs a query plan over one collection as of a time: filter, sort by the plan's orderings (which
 * end in `__name__`, so the order is total), cut at the cursors, then offset and limit. Collections
 * are scanned in full; the stand-in has no indexes to maintain, so every query that the service
 * would serve from an index is answered, composite or not.
 */
import type { Micros } from './clock.js';
import { fieldValue } from './filters.js';
import { compareValues } from './order.js';
import type { Bound, Order, QueryPlan } from './query.js';
import type { Database, StoredDocument } from './store.js';

export function runPlan(db: Database, plan: QueryPlan, at: Micros | undefined): StoredDocument[] {
  const docs = db.list(plan.collection, at).filter((d) => plan.predicates.every((p) => p(d)));
  docs.sort((a, b) => compareDocuments(plan.orders, a, b));
  const { startAt, endAt } = plan;
  const inRange = docs.filter(
    (d) =>
      (startAt === undefined || afterStart(d, startAt, plan.orders)) &&
      (endAt === undefined || beforeEnd(d, endAt, plan.orders)),
  );
  const end = plan.limit === undefined ? undefined : plan.offset + plan.limit;
  return inRange.slice(plan.offset, end);
}

export function compareDocuments(orders: readonly Order[], a: StoredDocument, b: StoredDocument): number {
  for (const o of orders) {
    const c = compareValues(fieldValue(a, o.path)!, fieldValue(b, o.path)!);
    if (c !== 0) return o.descending ? -c : c;
  }
  return 0;
}

/** How a document sorts against a cursor position, over the cursor's values only. */
function compareToBound(doc: StoredDocument, bound: Bound, orders: readonly Order[]): number {
  for (let i = 0; i < bound.values.length; i++) {
    const o = orders[i]!;
    const c = compareValues(fieldValue(doc, o.path)!, bound.values[i]!);
    if (c !== 0) return o.descending ? -c : c;
  }
  return 0;
}

function afterStart(doc: StoredDocument, bound: Bound, orders: readonly Order[]): boolean {
  const c = compareToBound(doc, bound, orders);
  return c > 0 || (c === 0 && bound.before);
}

function beforeEnd(doc: StoredDocument, bound: Bound, orders: readonly Order[]): boolean {
  const c = compareToBound(doc, bound, orders);
  return c < 0 || (c === 0 && !bound.before);
}
