/**
 * Stored documents as the wire carries them, with read masks. A stored version never changes, so
 * the encoding of its fields is kept (weakly, per version) for the reads that follow a write.
 */
import { wireTime } from './clock.js';
import { type FieldPath, parseFieldPath, project } from './fields.js';
import type { StoredDocument } from './store.js';
import { encodeFields, type Fields } from './values.js';
import type { DocumentMask, WireDocument, WireValue } from './wire.js';

const encoded = new WeakMap<Fields, Record<string, WireValue>>();

function encodeAll(fields: Fields): Record<string, WireValue> {
  let wire = encoded.get(fields);
  if (wire === undefined) {
    wire = encodeFields(fields);
    encoded.set(fields, wire);
  }
  return wire;
}

/** `mask` undefined returns every field; an empty mask returns none. */
export function encodeDocument(doc: StoredDocument, mask?: readonly FieldPath[]): WireDocument {
  return {
    name: doc.name,
    fields: mask === undefined ? encodeAll(doc.fields) : encodeFields(project(doc.fields, mask)),
    createTime: wireTime(doc.createTime),
    updateTime: wireTime(doc.updateTime),
  };
}

export function parseMask(mask: DocumentMask | undefined): FieldPath[] | undefined {
  return mask === undefined ? undefined : (mask.fieldPaths ?? []).map(parseFieldPath);
}
