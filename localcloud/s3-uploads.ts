/**
 * s3rver knows nothing of unknown or finished uploads: UploadPart quietly starts a new one, and it
 * has no AbortMultipartUpload at all (MethodNotAllowed), which lib-storage's Upload calls whenever
 * an upload fails. The front answers NoSuchUpload itself and aborts by dropping the upload's folder,
 * laid out as s3rver 3.7 does: `<bucket>/._S3rver_uploads/<uploadId>`.
 */
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { S3StandInError, writeS3Error } from './s3-errors.js';
import { drain } from './s3-request.js';

export async function withUpload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  directory: string,
  then: (folder: string) => Promise<void>,
): Promise<void> {
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://stand-in');
  const bucket = pathname.slice(1).split('/', 1)[0] ?? '';
  const uploadId = searchParams.get('uploadId') ?? '';
  // The name checks also keep the path inside the store.
  const folder = path.join(directory, bucket, '._S3rver_uploads', uploadId);
  const known =
    /^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket) &&
    /^[0-9a-f]{32}$/.test(uploadId) &&
    (await stat(folder).catch(() => undefined)) !== undefined;
  if (known) return then(folder);
  await drain(req);
  writeS3Error(res, new S3StandInError('NoSuchUpload', 'The specified multipart upload does not exist.'));
}
