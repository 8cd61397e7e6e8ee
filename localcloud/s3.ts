/**
 * The S3 stand-in: s3rver on an internal loopback port (s3-backend.ts), behind the shared HTTP
 * shell for the fault layer and request counting. Path-style addressing only, with s3rver's fixed
 * development key pair (see aws-local.ts).
 *
 * Reads and bucket operations are relayed as they are; the front steps in where s3rver falls short
 * of S3: object writes (s3-conditional.ts: conditional writes, aws-chunked bodies, writes that
 * never land half-done), multipart upload bookkeeping (s3-uploads.ts) and ListObjectsV2
 * (s3-listing.ts).
 */
import { rm } from 'node:fs/promises';
import type http from 'node:http';
import type { FailureKind, FaultController } from './faults.js';
import { type RunningHttpService, type StandInOptions, startFront } from './http-service.js';
import type { Forwarder } from './proxy.js';
import { startS3Backend } from './s3-backend.js';
import { ObjectWrites, objectTarget } from './s3-conditional.js';
import { S3StandInError, writeS3Error } from './s3-errors.js';
import { listObjectsV2 } from './s3-listing.js';
import { s3Operation } from './s3-operations.js';
import { withUpload } from './s3-uploads.js';

export { s3Operation };

export async function startS3(
  faults: FaultController,
  options: StandInOptions = {},
): Promise<RunningHttpService> {
  const backend = await startS3Backend(options.dataDir);
  const { forwarder, directory } = backend;
  const writes = new ObjectWrites(forwarder, backend.staging);
  return startFront(
    {
      service: 's3',
      operationOf: (req) => s3Operation(req.method ?? 'GET', req.url ?? '/', req.headers),
      handle: (req, res) => route(req, res, { forwarder, writes, directory }),
      fail: failS3,
    },
    faults,
    options,
    () => backend.close(),
  );
}

interface Routes {
  readonly forwarder: Forwarder;
  readonly writes: ObjectWrites;
  /** s3rver's directory, for the one operation the front performs on it directly. */
  readonly directory: string;
}

function route(req: http.IncomingMessage, res: http.ServerResponse, routes: Routes): Promise<void> {
  const url = req.url ?? '/';
  switch (s3Operation(req.method ?? 'GET', url, req.headers)) {
    case 'PutObject':
      return routes.writes.writeBody(req, res, objectTarget(url));
    case 'UploadPart':
      return withUpload(req, res, routes.directory, () => routes.writes.writeBody(req, res));
    case 'CompleteMultipartUpload':
      return withUpload(req, res, routes.directory, () =>
        routes.writes.writeStreamed(req, res, objectTarget(url)),
      );
    case 'AbortMultipartUpload':
      return withUpload(req, res, routes.directory, async (folder) => {
        await rm(folder, { recursive: true, force: true });
        res.writeHead(204).end();
      });
    case 'CopyObject':
    case 'DeleteObject':
      return routes.writes.writeStreamed(req, res, objectTarget(url));
    case 'ListObjectsV2':
      return listObjectsV2(req, res, routes.forwarder);
    default:
      return routes.forwarder.forward(req, res);
  }
}

function failS3(kind: FailureKind, _req: http.IncomingMessage, res: http.ServerResponse): void {
  if (kind === 'throttle') {
    writeS3Error(res, new S3StandInError('SlowDown', 'Please reduce your request rate.'));
  } else {
    writeS3Error(
      res,
      new S3StandInError('InternalError', 'We encountered an internal error (injected). Please try again.'),
    );
  }
}
