/**
 * The Cloud Storage stand-in as the HTTP shell sees it: which API method a request is (for the
 * counts), how to serve it, and the injected failures in the JSON API's own format (429
 * rateLimitExceeded, 503 backendError), both of which the client retries.
 */
import type http from 'node:http';
import type { FailureKind } from '../faults.js';
import type { HttpServiceSpec } from '../http-service.js';
import { deleteBucket, getBucket, insertBucket, listBuckets, patchBucket } from './buckets.js';
import { download } from './download.js';
import { GcsError, invalid, notImplemented, writeGcsError } from './errors.js';
import { listObjects } from './listing.js';
import { copyObject, deleteObject, getMetadata, patchObject } from './objects.js';
import type { ResumableUploads } from './resumable.js';
import { type Route, routeOf } from './routes.js';
import type { GcsStore } from './store.js';
import { simpleUpload } from './uploads.js';
import { type Request, requestOf } from './wire.js';

/** How long an error answer waits for the rest of a request body before going out anyway. */
const DRAIN_MS = 5_000;

export interface StorageContext {
  readonly store: GcsStore;
  readonly uploads: ResumableUploads;
  /** This stand-in's own URL, for links when a request has no Host header. */
  readonly base: () => string;
}

export function storageServiceSpec(context: StorageContext): HttpServiceSpec {
  return {
    service: 'storage',
    operationOf: (req) => routeOf(req.method ?? 'GET', req.url ?? '/').operation,
    handle: (req, res) => serve(context, req, res),
    fail: (kind, _req, res) => writeGcsError(res, injected(kind)),
  };
}

async function serve(context: StorageContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const route = routeOf(req.method ?? 'GET', req.url ?? '/');
  const r = requestOf(req, res, context.base());
  try {
    await dispatch(context, r, route);
  } catch (err) {
    await answerError(r, err);
  }
}

function dispatch(context: StorageContext, r: Request, route: Route): void | Promise<void> {
  const { store, uploads } = context;
  const bucket = route.bucket!;
  switch (route.served) {
    case 'buckets.list':
      return listBuckets(store, r);
    case 'buckets.insert':
      return insertBucket(store, r);
    case 'buckets.get':
      return getBucket(store, r, bucket);
    case 'buckets.patch':
      return patchBucket(store, r, bucket);
    case 'buckets.delete':
      return deleteBucket(store, r, bucket);
    case 'objects.list':
      return listObjects(store, r, bucket);
    case 'objects.get':
      if (route.media === true || r.query.get('alt') === 'media') return download(store, r, route);
      return getMetadata(store, r, route);
    case 'objects.patch':
      return patchObject(store, r, route);
    case 'objects.delete':
      return deleteObject(store, r, route);
    case 'objects.insert':
      return insert(context, r, bucket);
    case 'objects.insert.chunk':
      return uploads.put(r);
    case 'objects.insert.cancel':
      return uploads.cancel(r);
    case 'objects.rewrite':
    case 'objects.copy':
      return copyObject(store, r, route);
    case undefined:
      throw unserved(route, r.req);
  }
}

function insert(context: StorageContext, r: Request, bucket: string): Promise<void> {
  const type = r.query.get('uploadType');
  if (type === 'resumable') return context.uploads.start(r, bucket);
  if (type === 'media' || type === 'multipart') return simpleUpload(context.store, r, bucket);
  throw invalid(
    type === null ? 'Upload requests need an uploadType parameter.' : `Unsupported uploadType: ${type}`,
  );
}

function unserved(route: Route, req: http.IncomingMessage): GcsError {
  const request = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
  switch (route.operation) {
    case 'invalidPath':
      return invalid(`The path of ${request} is not validly percent-encoded.`);
    case 'xmlApi':
      return notImplemented(`The XML API (${request})`);
    case 'unknown':
      return notImplemented(`The request ${request}`);
    default:
      return notImplemented(`The ${route.operation} method (${request})`);
  }
}

async function answerError(r: Request, err: unknown): Promise<void> {
  if (r.res.headersSent) {
    r.res.destroy();
    return;
  }
  const error =
    err instanceof GcsError
      ? err
      : new GcsError('internalError', `The Cloud Storage stand-in failed: ${(err as Error).message}`);
  await drain(r.req);
  writeGcsError(r.res, error);
}

/** Reads what is left of a request, so the client finishes sending and then reads the error. */
function drain(req: http.IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done).once('close', done).once('error', done);
    req.resume();
  });
}

function injected(kind: FailureKind): GcsError {
  return kind === 'throttle'
    ? new GcsError('rateLimitExceeded', 'The request rate is too high (injected). Please slow down.')
    : new GcsError('backendError', 'The service is temporarily unavailable (injected). Please retry.');
}
