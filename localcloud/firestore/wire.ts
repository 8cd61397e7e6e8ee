/**
 * The Firestore messages as handlers see them, loaded from the protos that ship with
 * @google-cloud/firestore, limited to the fields the stand-in reads or writes.
 *
 * These protos are loaded with their own options rather than ../protos.ts's shared ones: int64
 * values (`integer_value`, timestamp seconds, `count.up_to`) arrive as decimal strings so that
 * integers beyond 2^53 stay exact, and absent fields stay absent (`defaults: false`), because
 * Firestore's Value and Precondition are oneofs whose unset members must not read as zero.
 */
import { join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { googleCommonProtosDir, ProtoError, packageDir, serviceDefinition } from '../protos.js';

const FIRESTORE_PROTO_OPTIONS: Options = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
});

/** An int64 as decoded (a decimal string) or as a handler may encode it. */
export type Int64 = string | number;

export interface Timestamp {
  seconds?: Int64;
  nanos?: number;
}

export interface WireValue {
  valueType?: string;
  nullValue?: string | number;
  booleanValue?: boolean;
  integerValue?: Int64;
  doubleValue?: number;
  timestampValue?: Timestamp;
  stringValue?: string;
  bytesValue?: Uint8Array;
  referenceValue?: string;
  geoPointValue?: { latitude?: number; longitude?: number };
  arrayValue?: { values?: WireValue[] };
  mapValue?: { fields?: Record<string, WireValue> };
}

export interface WireDocument {
  name?: string;
  fields?: Record<string, WireValue>;
  createTime?: Timestamp;
  updateTime?: Timestamp;
}

export interface DocumentMask {
  fieldPaths?: string[];
}

export interface Precondition {
  conditionType?: 'exists' | 'updateTime';
  exists?: boolean;
  updateTime?: Timestamp;
}

export interface FieldTransform {
  fieldPath?: string;
  transformType?: string;
  setToServerValue?: string;
  increment?: WireValue;
  maximum?: WireValue;
  minimum?: WireValue;
  appendMissingElements?: { values?: WireValue[] };
  removeAllFromArray?: { values?: WireValue[] };
}

export interface WireWrite {
  operation?: 'update' | 'delete' | 'transform';
  update?: WireDocument;
  delete?: string;
  transform?: { document?: string; fieldTransforms?: FieldTransform[] };
  updateMask?: DocumentMask;
  updateTransforms?: FieldTransform[];
  currentDocument?: Precondition;
}

export interface WireWriteResult {
  updateTime?: Timestamp;
  transformResults: WireValue[];
}

export interface TransactionOptions {
  mode?: 'readOnly' | 'readWrite';
  readOnly?: { readTime?: Timestamp };
  readWrite?: { retryTransaction?: Uint8Array };
}

/** The consistency selector shared by the read requests. */
export interface ReadConsistency {
  consistencySelector?: 'transaction' | 'newTransaction' | 'readTime';
  transaction?: Uint8Array;
  newTransaction?: TransactionOptions;
  readTime?: Timestamp;
}

export interface FieldReference {
  fieldPath?: string;
}

export interface WireFilter {
  filterType?: 'compositeFilter' | 'fieldFilter' | 'unaryFilter';
  compositeFilter?: { op?: string; filters?: WireFilter[] };
  fieldFilter?: { field?: FieldReference; op?: string; value?: WireValue };
  unaryFilter?: { op?: string; field?: FieldReference };
}

export interface WireCursor {
  values?: WireValue[];
  before?: boolean;
}

export interface StructuredQuery {
  select?: { fields?: FieldReference[] };
  from?: { collectionId?: string; allDescendants?: boolean }[];
  where?: WireFilter;
  orderBy?: { field?: FieldReference; direction?: string }[];
  startAt?: WireCursor;
  endAt?: WireCursor;
  offset?: number;
  limit?: { value?: number };
  findNearest?: object;
}

export interface Aggregation {
  operator?: 'count' | 'sum' | 'avg';
  count?: { upTo?: { value?: Int64 } };
  sum?: { field?: FieldReference };
  avg?: { field?: FieldReference };
  alias?: string;
}

let cached: ServiceDefinition | undefined;

/** The google.firestore.v1.Firestore service definition from the installed client. */
export function firestoreService(): ServiceDefinition {
  if (cached === undefined) {
    const client = packageDir('@google-cloud/firestore');
    const dirs = [join(client, 'build', 'protos'), googleCommonProtosDir(client)];
    const file = 'google/firestore/v1/firestore.proto';
    let root: ReturnType<typeof loadPackageDefinition>;
    try {
      root = loadPackageDefinition(loadSync(file, { ...FIRESTORE_PROTO_OPTIONS, includeDirs: dirs }));
    } catch (err) {
      throw new ProtoError('PROTO_NOT_LOADED', `cannot load ${file}: ${(err as Error).message}`);
    }
    cached = serviceDefinition(root, 'google.firestore.v1.Firestore');
  }
  return cached;
}
