/**
 * ListDocuments and ListCollectionIds, in name order and paged with opaque tokens that carry the
 * last name returned. ListDocuments with `show_missing` also lists documents that do not exist but
 * have documents beneath them (by name only), which is how the client's listDocuments() finds
 * every reference in a collection.
 */
import { encodeDocument, parseMask } from './documents.js';
import { invalidArgument, unimplemented } from './errors.js';
import { compareNames, compareUtf8, documentName, parseParent } from './names.js';
import { type Engine, openScope } from './reads.js';
import type { DocumentMask, ReadConsistency, WireDocument } from './wire.js';

/** The service pages at its discretion when no page size is given. */
const DEFAULT_PAGE_SIZE = 300;

interface ListDocumentsRequest extends ReadConsistency {
  parent?: string;
  collectionId?: string;
  pageSize?: number;
  pageToken?: string;
  orderBy?: string;
  mask?: DocumentMask;
  showMissing?: boolean;
}

interface ListCollectionIdsRequest extends ReadConsistency {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
}

export function listDocuments(engine: Engine) {
  return (request: ListDocumentsRequest) => {
    const parent = parseParent(request.parent);
    const order = (request.orderBy ?? '').trim();
    if (order !== '' && order !== '__name__' && order !== '__name__ asc') {
      throw unimplemented(`ListDocuments order_by "${order}" (only __name__ is)`);
    }
    const mask = parseMask(request.mask);
    const scope = openScope(engine, parent.database, request);
    const entries: { name: string; doc: WireDocument }[] = [];
    const collectionId = request.collectionId === '' ? undefined : request.collectionId;
    for (const collection of scope.db.collectionsUnder(parent.path, collectionId)) {
      for (const doc of scope.db.list(collection, scope.at)) {
        entries.push({ name: doc.name, doc: encodeDocument(doc, mask) });
      }
      if (request.showMissing !== true) continue;
      for (const id of scope.db.missingWithChildren(collection, scope.at)) {
        const name = documentName(parent.database, `${collection}/${id}`);
        entries.push({ name, doc: { name } });
      }
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    const page = pageOf(entries, (e) => e.name, request, compareNames);
    return { documents: page.items.map((e) => e.doc), nextPageToken: page.next };
  };
}

export function listCollectionIds(engine: Engine) {
  return (request: ListCollectionIdsRequest) => {
    const parent = parseParent(request.parent);
    const scope = openScope(engine, parent.database, request);
    const ids = [...scope.db.collectionIds(parent.path, scope.at)].sort(compareUtf8);
    const page = pageOf(ids, (id) => id, request, compareUtf8);
    return { collectionIds: page.items, nextPageToken: page.next };
  };
}

function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  request: { pageSize?: number; pageToken?: string },
  compare: (a: string, b: string) => number,
): { items: T[]; next: string } {
  const size = request.pageSize ?? 0;
  if (size < 0) throw invalidArgument('page_size must not be negative');
  const limit = size === 0 ? DEFAULT_PAGE_SIZE : size;
  let start = 0;
  if (request.pageToken !== undefined && request.pageToken !== '') {
    const after = decodeToken(request.pageToken);
    start = items.findIndex((item) => compare(key(item), after) > 0);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, next: more ? encodeToken(key(page[page.length - 1]!)) : '' };
}

function encodeToken(last: string): string {
  return Buffer.from(last).toString('base64url');
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString();
  if (text === '' || encodeToken(text) !== token) throw invalidArgument('page_token is not valid');
  return text;
}
