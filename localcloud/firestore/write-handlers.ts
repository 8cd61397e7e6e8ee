/**
 * The write methods: Commit (atomic, optionally ending a transaction after checking its reads),
 * BatchWrite (each write applied on its own, with a status per write, as BulkWriter expects),
 * BeginTransaction and Rollback, and the single-document CreateDocument, UpdateDocument and
 * DeleteDocument, which are one-write commits.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc-service.js';
import { wireTime } from './clock.js';
import { encodeDocument, parseMask } from './documents.js';
import { invalidArgument } from './errors.js';
import { checkCollectionId, parseDatabase, parseDocumentName, parseParent } from './names.js';
import type { Engine } from './reads.js';
import type { Database } from './store.js';
import type { Transaction } from './transactions.js';
import type { DocumentMask, Precondition, TransactionOptions, WireDocument, WireWrite } from './wire.js';
import { applyWrites, checkRequestSize, checkWriteCount, type ParsedWrite, parseWrite } from './writes.js';

interface CommitRequest {
  database?: string;
  writes?: WireWrite[];
  transaction?: Uint8Array;
}

export function beginTransaction(engine: Engine) {
  return (request: { database?: string; options?: TransactionOptions }) => {
    const db = engine.store.database(parseDatabase(request.database));
    return { transaction: engine.transactions.begin(db, request.options).id };
  };
}

export function rollback(engine: Engine) {
  return (request: { database?: string; transaction?: Uint8Array }) => {
    const database = parseDatabase(request.database);
    if (request.transaction === undefined || request.transaction.length === 0) {
      throw invalidArgument('Rollback needs a transaction');
    }
    engine.transactions.end(request.transaction, database);
    return {};
  };
}

export function commit(engine: Engine) {
  return (request: CommitRequest) => {
    const database = parseDatabase(request.database);
    const wire = request.writes ?? [];
    checkWriteCount(wire.length);
    const db = engine.store.database(database);
    const parse = () => {
      const writes = wire.map((w) => parseWrite(w, database));
      checkRequestSize(writes);
      return writes;
    };
    const id = request.transaction;
    if (id === undefined || id.length === 0) return commitWrites(engine, db, parse());
    const tx = engine.transactions.take(id, database);
    try {
      const writes = parse();
      checkTransaction(engine, tx, db, writes);
      return commitWrites(engine, db, writes);
    } finally {
      engine.transactions.finish(tx);
    }
  };
}

function checkTransaction(
  engine: Engine,
  tx: Transaction,
  db: Database,
  writes: readonly ParsedWrite[],
): void {
  if (tx.readOnlyAt !== undefined && writes.length > 0) {
    throw invalidArgument('Cannot modify entities in a read-only transaction');
  }
  engine.transactions.validate(tx, db);
}

function commitWrites(engine: Engine, db: Database, writes: readonly ParsedWrite[]) {
  const time = engine.clock.commitTime();
  const writeResults = applyWrites(db, writes, time);
  return { writeResults, commitTime: wireTime(time) };
}

export function batchWrite(engine: Engine) {
  return (request: { database?: string; writes?: WireWrite[] }) => {
    const database = parseDatabase(request.database);
    const wire = request.writes ?? [];
    checkWriteCount(wire.length);
    const db = engine.store.database(database);
    const parsed = wire.map((w) => attempt(() => parseWrite(w, database)));
    checkRequestSize(parsed.filter((p): p is ParsedWrite => !(p instanceof GrpcStatusError)));
    const seen = new Set<string>();
    const outcomes = parsed.map((p) =>
      attempt(() => {
        if (p instanceof GrpcStatusError) throw p;
        if (seen.has(p.path)) throw invalidArgument(`BatchWrite has more than one write to ${p.name}`);
        seen.add(p.path);
        return applyWrites(db, [p], engine.clock.commitTime())[0]!;
      }),
    );
    return {
      writeResults: outcomes.map((o) => (o instanceof GrpcStatusError ? {} : o)),
      status: outcomes.map((o) =>
        o instanceof GrpcStatusError
          ? { code: o.code, message: o.message }
          : { code: status.OK, message: '' },
      ),
    };
  };
}

/** Runs one write's step, turning the service errors it throws into that write's status. */
function attempt<T>(step: () => T): T | GrpcStatusError {
  try {
    return step();
  } catch (err) {
    if (err instanceof GrpcStatusError) return err;
    throw err;
  }
}

export function deleteDocument(engine: Engine) {
  return (request: { name?: string; currentDocument?: Precondition }) => {
    const { database } = parseDocumentName(request.name);
    const write: WireWrite = {
      operation: 'delete',
      delete: request.name,
      currentDocument: request.currentDocument,
    };
    commitWrites(engine, engine.store.database(database), [parseWrite(write, database)]);
    return {};
  };
}

interface UpdateDocumentRequest {
  document?: WireDocument;
  updateMask?: DocumentMask;
  mask?: DocumentMask;
  currentDocument?: Precondition;
}

export function updateDocument(engine: Engine) {
  return (request: UpdateDocumentRequest) => {
    const { database, path } = parseDocumentName(request.document?.name);
    const write: WireWrite = {
      operation: 'update',
      update: request.document,
      updateMask: request.updateMask,
      currentDocument: request.currentDocument,
    };
    return writeOne(engine, database, path, write, request.mask);
  };
}

interface CreateDocumentRequest {
  parent?: string;
  collectionId?: string;
  documentId?: string;
  document?: WireDocument;
  mask?: DocumentMask;
}

export function createDocument(engine: Engine) {
  return (request: CreateDocumentRequest) => {
    const parent = parseParent(request.parent);
    const collection = checkCollectionId(request.collectionId);
    const id = request.documentId === undefined || request.documentId === '' ? autoId() : request.documentId;
    const name = `${request.parent}/${collection}/${id}`;
    const { database, path } = parseDocumentName(name);
    const write: WireWrite = {
      operation: 'update',
      update: { ...request.document, name },
      currentDocument: { conditionType: 'exists', exists: false },
    };
    if (parent.database !== database) throw invalidArgument(`invalid parent ${request.parent}`);
    return writeOne(engine, database, path, write, request.mask);
  };
}

function writeOne(engine: Engine, database: string, path: string, write: WireWrite, mask?: DocumentMask) {
  const db = engine.store.database(database);
  commitWrites(engine, db, [parseWrite(write, database)]);
  return encodeDocument(db.get(path)!, parseMask(mask));
}

/** Ids like the client's own: 20 characters from the 62 letters and digits. */
function autoId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  while (id.length < 20) {
    // 248 is the largest multiple of 62 below 256: rejecting the rest keeps every letter equally likely.
    for (const b of randomBytes(32)) if (b < 248 && id.length < 20) id += alphabet[b % 62];
  }
  return id;
}
