/**
 * Firestore resource names: `projects/{p}/databases/{d}` for a database and
 * `projects/{p}/databases/{d}/documents/{path}` for a document, where the path alternates
 * collection ids and document ids. Each (project, database) pair is a separate store; within one,
 * documents are addressed by their path relative to `documents/`.
 */
import { invalidArgument } from './errors.js';

export interface DocumentName {
  /** `projects/{p}/databases/{d}` */
  readonly database: string;
  /** The path below `documents/`, e.g. `candles/BTC/minutes/0001`. */
  readonly path: string;
}

export interface ParentName {
  readonly database: string;
  /** The document path the parent names; empty for the database root. */
  readonly path: string;
}

const DATABASE = /^projects\/([^/]+)\/databases\/([^/]+)$/;
const MAX_ID_BYTES = 1500;

export function parseDatabase(name: string | undefined): string {
  if (name === undefined || !DATABASE.test(name)) {
    throw invalidArgument(
      `Invalid database name "${name ?? ''}"; expected projects/{project}/databases/{db}`,
    );
  }
  return name;
}

/** Splits `…/documents[/path]` into its database and path. */
function split(name: string | undefined, what: string): { database: string; path: string } {
  const marker = '/documents';
  const at = name?.indexOf(marker) ?? -1;
  if (name === undefined || at < 0) throw invalidArgument(`Invalid ${what} name "${name ?? ''}"`);
  const database = name.slice(0, at);
  const rest = name.slice(at + marker.length);
  if (!DATABASE.test(database) || (rest !== '' && !rest.startsWith('/'))) {
    throw invalidArgument(`Invalid ${what} name "${name}"`);
  }
  return { database, path: rest.slice(1) };
}

function checkSegments(path: string, name: string, what: string): string[] {
  const segments = path.split('/');
  for (const id of segments) {
    if (id === '' || id === '.' || id === '..' || /^__.*__$/.test(id)) {
      throw invalidArgument(`Invalid ${what} name "${name}": "${id}" is not a valid id`);
    }
    if (Buffer.byteLength(id) > MAX_ID_BYTES) {
      throw invalidArgument(`Invalid ${what} name "${name}": an id is longer than ${MAX_ID_BYTES} bytes`);
    }
  }
  return segments;
}

export function parseDocumentName(name: string | undefined): DocumentName {
  const { database, path } = split(name, 'document');
  if (path === '' || checkSegments(path, name!, 'document').length % 2 !== 0) {
    throw invalidArgument(`Invalid document name "${name}": a document path has an even number of ids`);
  }
  return { database, path };
}

/** A query or listing parent: the database root or a document. */
export function parseParent(name: string | undefined): ParentName {
  const { database, path } = split(name, 'parent');
  if (path !== '' && checkSegments(path, name!, 'parent').length % 2 !== 0) {
    throw invalidArgument(`Invalid parent "${name}": a parent is the database root or a document`);
  }
  return { database, path };
}

export function checkCollectionId(id: string | undefined): string {
  if (id === undefined || id === '' || id.includes('/') || /^__.*__$/.test(id)) {
    throw invalidArgument(`Invalid collection id "${id ?? ''}"`);
  }
  return id;
}

export function documentName(database: string, path: string): string {
  return `${database}/documents/${path}`;
}

/** The collection a document path belongs to, and its id within it. */
export function splitPath(path: string): { collection: string; id: string } {
  const at = path.lastIndexOf('/');
  return { collection: path.slice(0, at), id: path.slice(at + 1) };
}

/** The path of a collection under a parent document path (empty for the root). */
export function collectionPath(parent: string, collectionId: string): string {
  return parent === '' ? collectionId : `${parent}/${collectionId}`;
}

/**
 * Orders strings as Firestore does, by UTF-8 bytes (which is code point order). JavaScript's `<`
 * compares UTF-16 units instead, which puts astral characters before U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Orders resource names segment by segment, as the service orders `__name__`. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const x = a.split('/');
  const y = b.split('/');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}
