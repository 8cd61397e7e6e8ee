/**
 * The errors the S3 front answers itself rather than relaying from s3rver, written in S3's XML
 * error format so that the SDK parses and retries them as it would S3's own.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';

export type S3ErrorCode =
  | 'BadDigest'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'PreconditionFailed'
  | 'SlowDown';

const STATUS: Record<S3ErrorCode, number> = {
  BadDigest: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidRequest: 400,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  PreconditionFailed: 412,
  SlowDown: 503,
};

/** An error the front answers itself, in S3's XML error format. */
export class S3StandInError extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly detail: Readonly<Record<string, string>>;

  constructor(code: S3ErrorCode, message: string, detail: Record<string, string> = {}, status?: number) {
    super(message);
    this.name = 'S3StandInError';
    this.code = code;
    this.status = status ?? STATUS[code];
    this.detail = detail;
  }
}

export function writeS3Error(res: http.ServerResponse, err: S3StandInError): void {
  const fields = { Code: err.code, Message: err.message, ...err.detail, RequestId: requestId() };
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}</Error>`;
  res.writeHead(err.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': fields.RequestId,
  });
  res.end(body);
}

/** What the front answers when s3rver cannot be reached: a 502, which the SDK retries. */
export function backendLost(cause: Error): S3StandInError {
  return new S3StandInError('InternalError', `the S3 stand-in lost its backend: ${cause.message}`, {}, 502);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}
