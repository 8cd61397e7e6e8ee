/**
 * Writes as Commit and BatchWrite carry them, and applying a list of them atomically: every
 * precondition is checked and every document built against the state the earlier writes of the
 * same request leave, and only when all succeed do the changes land, at one commit time. A
 * document a write leaves identical keeps its version (and update time), as the service reports.
 */
import { type Micros, microsOf, wireTime } from './clock.js';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.js';
import { deleteField, type FieldPath, getField, parseFieldPath, setField } from './fields.js';
import { parseDocumentName } from './names.js';
import { checkDocumentSize, documentSize } from './size.js';
import type { Database, StoredDocument } from './store.js';
import { applyTransforms, parseTransform, type Transform } from './transforms.js';
import {
  decodeFields,
  EMPTY_FIELDS,
  encodeValue,
  type Fields,
  identicalFields,
  type Value,
} from './values.js';
import type { Precondition, WireWrite, WireWriteResult } from './wire.js';

/** Firestore's cap on writes in one Commit or BatchWrite request. */
export const MAX_WRITES = 500;

export type WriteCondition = { readonly exists: boolean } | { readonly updateTime: Micros };

export interface ParsedWrite {
  readonly name: string;
  readonly path: string;
  /** `set` replaces the document; `patch` changes only the masked fields. */
  readonly kind: 'set' | 'patch' | 'delete';
  readonly fields: Fields;
  readonly mask: readonly FieldPath[];
  readonly transforms: readonly Transform[];
  readonly condition: WriteCondition | undefined;
}

/** Firestore's cap on an API request's size. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export function checkWriteCount(count: number): void {
  if (count > MAX_WRITES) {
    throw invalidArgument(`maximum ${MAX_WRITES} writes allowed per request; this one has ${count}`);
  }
}

/**
 * Refuses a request whose documents add up to more than the service accepts, measured as stored
 * sizes (close to, and never far above, their encoded size).
 */
export function checkRequestSize(writes: readonly ParsedWrite[]): void {
  let total = 0;
  for (const w of writes) total += documentSize(w.path, w.fields);
  if (total > MAX_REQUEST_BYTES) {
    throw invalidArgument(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
  }
}

export function parseWrite(wire: WireWrite, database: string): ParsedWrite {
  const target =
    wire.operation === 'update'
      ? wire.update?.name
      : wire.operation === 'delete'
        ? wire.delete
        : wire.transform?.document;
  if (wire.operation === undefined)
    throw invalidArgument('a write must be an update, a delete or a transform');
  const { database: owner, path } = parseDocumentName(target);
  if (owner !== database) throw invalidArgument(`document ${target} is not in database ${database}`);
  const transforms =
    (wire.operation === 'transform' ? wire.transform?.fieldTransforms : wire.updateTransforms) ?? [];
  if (wire.operation === 'delete' && (transforms.length > 0 || wire.updateMask !== undefined)) {
    throw invalidArgument(`a delete of ${target} cannot carry an update mask or transforms`);
  }
  const masked = wire.updateMask !== undefined || wire.operation === 'transform';
  return {
    name: target!,
    path,
    kind: wire.operation === 'delete' ? 'delete' : masked ? 'patch' : 'set',
    fields: decodeFields(wire.update?.fields),
    mask: (wire.updateMask?.fieldPaths ?? []).map(parseFieldPath),
    transforms: transforms.map(parseTransform),
    condition: parseCondition(wire.currentDocument),
  };
}

export function parseCondition(p: Precondition | undefined): WriteCondition | undefined {
  if (p?.conditionType === 'exists') return { exists: p.exists === true };
  if (p?.conditionType === 'updateTime')
    return { updateTime: microsOf(p.updateTime, 'precondition update_time') };
  return undefined;
}

export function checkCondition(
  name: string,
  condition: WriteCondition | undefined,
  current: StoredDocument | undefined,
): void {
  if (condition === undefined) return;
  if ('exists' in condition) {
    if (condition.exists && current === undefined) throw notFound(`No document to update: ${name}`);
    if (!condition.exists && current !== undefined) throw alreadyExists(`Document already exists: ${name}`);
    return;
  }
  if (current === undefined || current.updateTime !== condition.updateTime) {
    const stored = current === undefined ? 'none (the document does not exist)' : String(current.updateTime);
    throw failedPrecondition(
      `the stored version (${stored} µs) of ${name} does not match the required base version (${condition.updateTime} µs)`,
    );
  }
}

/** Applies `writes` all or nothing; returns one result per write. */
export function applyWrites(db: Database, writes: readonly ParsedWrite[], time: Micros): WireWriteResult[] {
  const overlay = new Map<string, StoredDocument | undefined>();
  const transformResults: Value[][] = [];
  for (const w of writes) {
    const current = overlay.has(w.path) ? overlay.get(w.path) : db.get(w.path);
    checkCondition(w.name, w.condition, current);
    if (w.kind === 'delete') {
      overlay.set(w.path, undefined);
      transformResults.push([]);
      continue;
    }
    const base = w.kind === 'set' ? w.fields : masked(current?.fields ?? EMPTY_FIELDS, w.fields, w.mask);
    const { fields, results } = applyTransforms(base, w.transforms, time);
    checkDocumentSize(w.name, w.path, fields);
    const createTime = current?.createTime ?? time;
    overlay.set(w.path, { name: w.name, path: w.path, fields, createTime, updateTime: time });
    transformResults.push(results);
  }
  const changes = changed(db, overlay);
  db.apply(changes, time);
  return writes.map((w, i) => {
    const results = transformResults[i]!.map(encodeValue);
    if (w.kind === 'delete') return { transformResults: results };
    const doc = changes.has(w.path) ? changes.get(w.path) : db.get(w.path);
    return { updateTime: wireTime(doc?.updateTime ?? time), transformResults: results };
  });
}

function masked(fields: Fields, update: Fields, mask: readonly FieldPath[]): Fields {
  for (const path of mask) {
    const value = getField(update, path);
    fields = value === undefined ? deleteField(fields, path) : setField(fields, path, value);
  }
  return fields;
}

/** The documents whose content differs from what is stored. */
function changed(
  db: Database,
  overlay: ReadonlyMap<string, StoredDocument | undefined>,
): Map<string, StoredDocument | undefined> {
  const changes = new Map<string, StoredDocument | undefined>();
  for (const [path, doc] of overlay) {
    const before = db.get(path);
    const same =
      doc === undefined
        ? before === undefined
        : before !== undefined && identicalFields(before.fields, doc.fields);
    if (!same) changes.set(path, doc);
  }
  return changes;
}
