/**
 * The documents of every (project, database) pair, kept in memory with their recent versions so
 * that reads at a past time (read-only transactions, `read_time`, a query resumed after a stream
 * error) see the database as it was. Each commit appends one version per document it changes,
 * stamped with the commit time; versions older than the retention window are dropped, except the
 * one in force at its start.
 */
import type { Micros } from './clock.js';
import { failedPrecondition } from './errors.js';
import { collectionPath, splitPath } from './names.js';
import type { Fields } from './values.js';

export interface StoredDocument {
  /** The full resource name. */
  readonly name: string;
  /** The path below `documents/`. */
  readonly path: string;
  readonly fields: Fields;
  readonly createTime: Micros;
  readonly updateTime: Micros;
}

interface Version {
  readonly time: Micros;
  /** Undefined once deleted. */
  readonly doc: StoredDocument | undefined;
}

/** Document versions by collection path, then by document id. */
type Collections = Map<string, Map<string, Version[]>>;

export class Database {
  private readonly collections: Collections = new Map();

  constructor(
    readonly name: string,
    private readonly horizon: () => Micros,
  ) {}

  /** Refuses a read time before the retention window, whose versions may have been dropped. */
  checkReadable(at: Micros): void {
    if (at < this.horizon()) {
      throw failedPrecondition('read_time is older than the versions the local Firestore stand-in keeps');
    }
  }

  /** A document as of `at` (the latest when absent). */
  get(path: string, at?: Micros): StoredDocument | undefined {
    const { collection, id } = splitPath(path);
    const versions = this.collections.get(collection)?.get(id);
    return versions === undefined ? undefined : this.versionAt(versions, at);
  }

  /** The documents of one collection that exist at `at`, in no particular order. */
  list(collection: string, at?: Micros): StoredDocument[] {
    const out: StoredDocument[] = [];
    const docs = this.collections.get(collection);
    if (docs === undefined) return out;
    for (const versions of docs.values()) {
      const doc = this.versionAt(versions, at);
      if (doc !== undefined) out.push(doc);
    }
    return out;
  }

  /** Ids of the collections directly under a document (or the root), that hold documents at `at`. */
  collectionIds(parent: string, at?: Micros): Set<string> {
    const prefix = parent === '' ? '' : `${parent}/`;
    const ids = new Set<string>();
    for (const path of this.collectionsWithDocuments(at)) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      ids.add(slash < 0 ? rest : rest.slice(0, slash));
    }
    return ids;
  }

  /**
   * Ids in a collection of documents that do not exist but have documents beneath them, which
   * ListDocuments reports with `show_missing`.
   */
  missingWithChildren(collection: string, at?: Micros): Set<string> {
    const prefix = `${collection}/`;
    const ids = new Set<string>();
    for (const path of this.collectionsWithDocuments(at)) {
      if (!path.startsWith(prefix)) continue;
      const id = path.slice(prefix.length).split('/')[0]!;
      if (this.get(`${collection}/${id}`, at) === undefined) ids.add(id);
    }
    return ids;
  }

  /** Collection paths under a parent path, whether or not they hold documents. */
  collectionsUnder(parent: string, collectionId: string | undefined): string[] {
    if (collectionId !== undefined) return [collectionPath(parent, collectionId)];
    const prefix = parent === '' ? '' : `${parent}/`;
    return [...this.collections.keys()].filter(
      (p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'),
    );
  }

  /** Records the new state of each changed document, all at one commit time. */
  apply(changes: ReadonlyMap<string, StoredDocument | undefined>, time: Micros): void {
    const horizon = this.horizon();
    for (const [path, doc] of changes) {
      const { collection, id } = splitPath(path);
      let docs = this.collections.get(collection);
      if (docs === undefined) {
        docs = new Map();
        this.collections.set(collection, docs);
      }
      const versions = docs.get(id);
      if (versions === undefined) docs.set(id, [{ time, doc }]);
      else {
        versions.push({ time, doc });
        trim(versions, horizon);
      }
    }
  }

  /** Drops versions nobody can read any more, and documents deleted before the window. */
  sweep(): void {
    const horizon = this.horizon();
    for (const [path, docs] of this.collections) {
      for (const [id, versions] of docs) {
        trim(versions, horizon);
        const only = versions[0]!;
        if (versions.length === 1 && only.doc === undefined && only.time <= horizon) docs.delete(id);
      }
      if (docs.size === 0) this.collections.delete(path);
    }
  }

  private versionAt(versions: readonly Version[], at: Micros | undefined): StoredDocument | undefined {
    if (at === undefined) return versions[versions.length - 1]!.doc;
    for (let i = versions.length - 1; i >= 0; i--) {
      if (versions[i]!.time <= at) return versions[i]!.doc;
    }
    return undefined;
  }

  private *collectionsWithDocuments(at: Micros | undefined): Iterable<string> {
    for (const [path, docs] of this.collections) {
      for (const versions of docs.values()) {
        if (this.versionAt(versions, at) !== undefined) {
          yield path;
          break;
        }
      }
    }
  }
}

function trim(versions: Version[], horizon: Micros): void {
  let drop = 0;
  while (drop + 1 < versions.length && versions[drop + 1]!.time <= horizon) drop++;
  if (drop > 0) versions.splice(0, drop);
}

export class Store {
  private readonly databases = new Map<string, Database>();

  constructor(private readonly horizon: () => Micros) {}

  database(name: string): Database {
    let db = this.databases.get(name);
    if (db === undefined) {
      db = new Database(name, this.horizon);
      this.databases.set(name, db);
    }
    return db;
  }

  sweep(): void {
    for (const db of this.databases.values()) db.sweep();
  }
}
