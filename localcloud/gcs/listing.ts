/**
 * objects.list: names in UTF-8 order under `prefix`, between `startOffset` and `endOffset`, with
 * `delimiter` folding deeper names into `prefixes`. `maxResults` (at most 1000) counts items and
 * prefixes together, as the service does; the page token says where the page ended.
 */
import { invalid, notImplemented } from './errors.js';
import { compareNames, lowerBound } from './names.js';
import type { GcsStore } from './store.js';
import { integerParam, objectResource, type Request, sendJson } from './wire.js';

const MAX_PAGE = 1000;

interface PageToken {
  /** The last item name or prefix of the previous page. */
  readonly after: string;
  /** Whether it was a prefix: then every name under it was covered already. */
  readonly folded: boolean;
}

interface ListQuery {
  readonly prefix: string;
  readonly delimiter: string;
  readonly trailing: boolean;
  readonly max: number;
  readonly startOffset: string;
  readonly endOffset: string | undefined;
  readonly token: PageToken | undefined;
}

export function listObjects(store: GcsStore, r: Request, bucket: string): void {
  const query = listQuery(r.query);
  const { names, get } = store.listing(bucket);
  const items: Record<string, unknown>[] = [];
  const prefixes: string[] = [];
  let last: PageToken | undefined;
  let more = false;
  for (let i = firstIndex(names, query); i < names.length; i++) {
    const name = names[i]!;
    if (!name.startsWith(query.prefix)) break;
    if (query.endOffset !== undefined && compareNames(name, query.endOffset) >= 0) break;
    if (items.length + prefixes.length >= query.max) {
      more = true;
      break;
    }
    const folded = folding(name, query);
    if (folded === undefined) {
      items.push(objectResource(get(name)!, r.base));
      last = { after: name, folded: false };
      continue;
    }
    if (query.trailing && folded === name) items.push(objectResource(get(name)!, r.base));
    prefixes.push(folded);
    last = { after: folded, folded: true };
    while (i + 1 < names.length && names[i + 1]!.startsWith(folded)) i++;
  }
  sendJson(r.res, 200, {
    kind: 'storage#objects',
    items: items.length > 0 ? items : undefined,
    prefixes: prefixes.length > 0 ? prefixes : undefined,
    nextPageToken: more && last !== undefined ? encodeToken(last) : undefined,
  });
}

function listQuery(q: URLSearchParams): ListQuery {
  if (q.get('versions') === 'true') throw notImplemented('Listing noncurrent versions (versions=true)');
  if (q.get('softDeleted') === 'true') throw notImplemented('Listing soft-deleted objects');
  if (q.has('matchGlob')) throw notImplemented('The matchGlob parameter');
  return {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    trailing: q.get('includeTrailingDelimiter') === 'true',
    max: Math.min(integerParam(q, 'maxResults') || MAX_PAGE, MAX_PAGE),
    startOffset: q.get('startOffset') ?? '',
    endOffset: q.get('endOffset') || undefined,
    token: decodeToken(q.get('pageToken')),
  };
}

/** Where the page starts: at the prefix or startOffset, and past the previous page. */
function firstIndex(names: readonly string[], q: ListQuery): number {
  const from = compareNames(q.startOffset, q.prefix) > 0 ? q.startOffset : q.prefix;
  let i = lowerBound(names, from);
  if (q.token !== undefined) {
    const { after, folded } = q.token;
    i = Math.max(i, lowerBound(names, after));
    while (i < names.length && (names[i] === after || (folded && names[i]!.startsWith(after)))) i++;
  }
  return i;
}

/** The prefix a name folds into under the delimiter, or undefined when it is listed as an item. */
function folding(name: string, q: ListQuery): string | undefined {
  if (q.delimiter === '') return undefined;
  const at = name.indexOf(q.delimiter, q.prefix.length);
  return at < 0 ? undefined : name.slice(0, at + q.delimiter.length);
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: string | null): PageToken | undefined {
  if (text === null || text === '') return undefined;
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
    if (typeof token.after === 'string' && typeof token.folded === 'boolean') return token;
  } catch {
    // Falls through to the refusal below.
  }
  throw invalid('Invalid pageToken.');
}
