/**
 * The Firestore stand-in as the gRPC shell sees it: the methods it serves, by name. Listen and
 * Write (the real-time streams), PartitionQuery and ExecutePipeline have no handler, so the shell
 * answers them UNIMPLEMENTED naming the method.
 */
import { type GrpcServiceSpec, serverStream, unary } from '../grpc-service.js';
import { listCollectionIds, listDocuments } from './listings.js';
import { batchGetDocuments, getDocument, runAggregationQuery, runQuery } from './read-handlers.js';
import type { Engine } from './reads.js';
import { firestoreService } from './wire.js';
import {
  batchWrite,
  beginTransaction,
  commit,
  createDocument,
  deleteDocument,
  rollback,
  updateDocument,
} from './write-handlers.js';

/**
 * Well above the service's 10 MiB request limit, so that the stand-in answers oversized commits
 * itself with the service's INVALID_ARGUMENT; the transport's own refusal would be
 * RESOURCE_EXHAUSTED, which the client retries for minutes.
 */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

export function firestoreServiceSpec(engine: Engine): GrpcServiceSpec {
  return {
    service: 'firestore',
    title: 'Firestore',
    serverOptions: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
    services: [
      {
        definition: firestoreService(),
        handlers: {
          GetDocument: unary(getDocument(engine)),
          BatchGetDocuments: serverStream(batchGetDocuments(engine)),
          RunQuery: serverStream(runQuery(engine)),
          RunAggregationQuery: serverStream(runAggregationQuery(engine)),
          ListDocuments: unary(listDocuments(engine)),
          ListCollectionIds: unary(listCollectionIds(engine)),
          BeginTransaction: unary(beginTransaction(engine)),
          Commit: unary(commit(engine)),
          Rollback: unary(rollback(engine)),
          BatchWrite: unary(batchWrite(engine)),
          CreateDocument: unary(createDocument(engine)),
          UpdateDocument: unary(updateDocument(engine)),
          DeleteDocument: unary(deleteDocument(engine)),
        },
      },
    ],
  };
}
