/**
 * Document sizes computed the way Firestore documents its storage size: a name costs each id's
 * UTF-8 length plus one, plus 16; a string its UTF-8 length plus one; null and booleans 1;
 * integers, doubles and timestamps 8; geo points 16; bytes their length; a field its name (as a
 * string) plus its value; a document its name, its fields and 32 more. Documents over 1 MiB are
 * refused, as the service refuses them.
 */
import { invalidArgument } from './errors.js';
import type { Fields, Value } from './values.js';

export const MAX_DOCUMENT_BYTES = 1_048_576;

function stringSize(s: string): number {
  return Buffer.byteLength(s) + 1;
}

/** `path` is relative to `documents/`, as the service counts it. */
function nameSize(path: string): number {
  let n = 16;
  for (const id of path.split('/')) n += stringSize(id);
  return n;
}

function referencePath(name: string): string {
  const at = name.indexOf('/documents/');
  return at < 0 ? name : name.slice(at + '/documents/'.length);
}

export function valueSize(v: Value): number {
  switch (v.type) {
    case 'null':
    case 'boolean':
      return 1;
    case 'integer':
    case 'double':
    case 'timestamp':
      return 8;
    case 'string':
      return stringSize(v.value);
    case 'bytes':
      return v.value.length;
    case 'reference':
      return nameSize(referencePath(v.value));
    case 'geoPoint':
      return 16;
    case 'array': {
      let n = 0;
      for (const e of v.values) n += valueSize(e);
      return n;
    }
    case 'map':
      return fieldsSize(v.fields);
  }
}

function fieldsSize(fields: Fields): number {
  let n = 0;
  for (const [key, value] of fields) n += stringSize(key) + valueSize(value);
  return n;
}

export function documentSize(path: string, fields: Fields): number {
  return nameSize(path) + fieldsSize(fields) + 32;
}

export function checkDocumentSize(name: string, path: string, fields: Fields): void {
  const size = documentSize(path, fields);
  if (size > MAX_DOCUMENT_BYTES) {
    throw invalidArgument(
      `document exceeds the maximum size: "${name}" is ${size} bytes, the limit is ${MAX_DOCUMENT_BYTES} bytes`,
    );
  }
}
