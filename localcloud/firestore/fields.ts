/**
 * Field paths (`a.b`, `` `x.y`.z ``, with `\` escaping inside backticks) and the copy-on-write
 * edits that masks and transforms make to a document's fields. Stored field maps are shared
 * between versions, so every edit copies the maps along the path it changes and nothing else.
 */
import { invalidArgument } from './errors.js';
import type { Fields, Value } from './values.js';

export type FieldPath = readonly string[];

const SIMPLE = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export function parseFieldPath(text: string | undefined): FieldPath {
  if (text === undefined || text === '') throw invalidArgument('a field path must not be empty');
  const segments: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let segment = '';
    if (text[i] === '`') {
      i++;
      while (i < text.length && text[i] !== '`') {
        if (text[i] === '\\') i++;
        if (i >= text.length) break;
        segment += text[i++];
      }
      if (text[i] !== '`') throw invalidArgument(`field path ${text} has an unterminated backtick`);
      i++;
    } else {
      const end = text.indexOf('.', i);
      segment = text.slice(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      if (!SIMPLE.test(segment))
        throw invalidArgument(`invalid field path ${text}: quote "${segment}" with backticks`);
    }
    segments.push(segment);
    if (i === text.length) break;
    if (text[i] !== '.') throw invalidArgument(`invalid field path ${text}`);
    i++;
    if (i === text.length) throw invalidArgument(`invalid field path ${text}: it ends with a dot`);
  }
  return segments;
}

export function formatFieldPath(path: FieldPath): string {
  return path.map((s) => (SIMPLE.test(s) ? s : `\`${s.replace(/[\\`]/g, (c) => `\\${c}`)}\``)).join('.');
}

export function getField(fields: Fields, path: FieldPath): Value | undefined {
  let value: Value | undefined = fields.get(path[0]!);
  for (let i = 1; i < path.length; i++) {
    if (value?.type !== 'map') return undefined;
    value = value.fields.get(path[i]!);
  }
  return value;
}

/** Sets a field, replacing any non-map value on the way with a map, as the service does. */
export function setField(fields: Fields, path: FieldPath, value: Value): Fields {
  const out = new Map(fields);
  const [head, ...rest] = path;
  if (rest.length === 0) {
    out.set(head!, value);
    return out;
  }
  const current = fields.get(head!);
  const inner = current?.type === 'map' ? current.fields : new Map<string, Value>();
  out.set(head!, { type: 'map', fields: setField(inner, rest, value) });
  return out;
}

export function deleteField(fields: Fields, path: FieldPath): Fields {
  const [head, ...rest] = path;
  const current = fields.get(head!);
  if (current === undefined) return fields;
  const out = new Map(fields);
  if (rest.length === 0) {
    out.delete(head!);
    return out;
  }
  if (current.type !== 'map') return fields;
  out.set(head!, { type: 'map', fields: deleteField(current.fields, rest) });
  return out;
}

/** Only the fields at the given paths (a read mask or a query projection). */
export function project(fields: Fields, paths: readonly FieldPath[]): Fields {
  let out: Fields = new Map();
  for (const path of paths) {
    const value = getField(fields, path);
    if (value !== undefined) out = setField(out, path, value);
  }
  return out;
}
