/**
 * The document and query reads: GetDocument, and the server streams BatchGetDocuments, RunQuery
 * and RunAggregationQuery, each response stamped with the read time and the first one carrying a
 * transaction the read began. The listings are in listings.ts.
 */
import { Metadata, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { aggregateDocuments, planAggregation } from './aggregate.js';
import { wireTime } from './clock.js';
import { encodeDocument, parseMask } from './documents.js';
import { invalidArgument, notFound, unimplemented } from './errors.js';
import { parseDatabase, parseDocumentName, parseParent } from './names.js';
import { planQuery } from './query.js';
import { type Engine, inScope, openScope, readDocuments, readQuery } from './reads.js';
import { encodeFields } from './values.js';
import type { Aggregation, DocumentMask, ReadConsistency, StructuredQuery } from './wire.js';

interface GetDocumentRequest extends ReadConsistency {
  name?: string;
  mask?: DocumentMask;
}

interface BatchGetRequest extends ReadConsistency {
  database?: string;
  documents?: string[];
  mask?: DocumentMask;
}

interface RunQueryRequest extends ReadConsistency {
  parent?: string;
  structuredQuery?: StructuredQuery;
  explainOptions?: object;
}

interface RunAggregationRequest extends ReadConsistency {
  parent?: string;
  structuredAggregationQuery?: { structuredQuery?: StructuredQuery; aggregations?: Aggregation[] };
  explainOptions?: object;
}

type Response = Record<string, unknown>;

export function getDocument(engine: Engine) {
  return async (request: GetDocumentRequest, call: ServerUnaryCall<GetDocumentRequest, unknown>) => {
    const { database, path } = parseDocumentName(request.name);
    const mask = parseMask(request.mask);
    const scope = openScope(engine, database, request);
    const { result } = await inScope(engine, scope, call, () => readDocuments(engine, scope, [path]));
    const doc = result[0];
    if (doc === undefined) throw notFound(`Document "${request.name}" not found`);
    return encodeDocument(doc, mask);
  };
}

export function batchGetDocuments(engine: Engine) {
  return async (call: ServerWritableStream<BatchGetRequest, Response>) => {
    answerHeaders(call);
    const request = call.request;
    const database = parseDatabase(request.database);
    const names = request.documents ?? [];
    const paths = names.map((name) => {
      const parsed = parseDocumentName(name);
      if (parsed.database !== database) throw invalidArgument(`document ${name} is not in ${database}`);
      return parsed.path;
    });
    const mask = parseMask(request.mask);
    const scope = openScope(engine, database, request);
    const { result, readTime } = await inScope(engine, scope, call, () =>
      readDocuments(engine, scope, paths),
    );
    const responses: Response[] = result.map((doc, i) =>
      doc === undefined ? { missing: names[i] } : { found: encodeDocument(doc, mask) },
    );
    stream(call, responses, readTime, scope.began);
  };
}

export function runQuery(engine: Engine) {
  return async (call: ServerWritableStream<RunQueryRequest, Response>) => {
    answerHeaders(call);
    const request = call.request;
    if (request.explainOptions !== undefined) throw unimplemented('query explain (explain_options)');
    const parent = parseParent(request.parent);
    const plan = planQuery(parent, request.structuredQuery);
    const scope = openScope(engine, parent.database, request);
    const { result, readTime } = await inScope(engine, scope, call, () => readQuery(engine, scope, plan));
    stream(
      call,
      result.map((doc) => ({ document: encodeDocument(doc, plan.projection) })),
      readTime,
      scope.began,
    );
  };
}

export function runAggregationQuery(engine: Engine) {
  return async (call: ServerWritableStream<RunAggregationRequest, Response>) => {
    answerHeaders(call);
    const request = call.request;
    if (request.explainOptions !== undefined) throw unimplemented('query explain (explain_options)');
    const parent = parseParent(request.parent);
    const plan = planAggregation(parent, request.structuredAggregationQuery);
    const scope = openScope(engine, parent.database, request);
    const { result, readTime } = await inScope(engine, scope, call, () =>
      readQuery(engine, scope, plan.query),
    );
    const aggregateFields = encodeFields(aggregateDocuments(plan, result));
    stream(call, [{ result: { aggregateFields } }], readTime, scope.began);
  };
}

/**
 * Sends the response headers before any work. The client's stream retry layer (retry-request, via
 * google-gax) treats an error that arrives before any headers as a lost connection and retries it
 * after 2 s and 4 s, even for a permanent error or an ABORTED transaction read; once headers have
 * arrived, errors reach the caller at once.
 */
function answerHeaders(call: ServerWritableStream<unknown, Response>): void {
  call.sendMetadata(new Metadata());
}

/** Writes the responses, each with the read time; an empty answer still reports the read time. */
function stream(
  call: ServerWritableStream<unknown, Response>,
  responses: Response[],
  readTime: number,
  began: Buffer | undefined,
): void {
  const time = wireTime(readTime);
  if (responses.length === 0) responses.push({});
  responses.forEach((r, i) => {
    call.write(
      i === 0 && began !== undefined
        ? { ...r, readTime: time, transaction: began }
        : { ...r, readTime: time },
    );
  });
  call.end();
}
