/**
 * AWS JSON 1.0 on the wire: the request body as a JSON object, answers as JSON, and errors with
 * both `__type` and the `x-amzn-query-error` header that query-compatible SDKs read the code from.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { SqsError } from './errors.js';
import { type Input, isObject } from './params.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

export function parseInput(body: Buffer): Input {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SqsError(
      'SerializationException',
      `The request body is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (!isObject(parsed)) {
    throw new SqsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed;
}

export function writeResult(res: http.ServerResponse, result: object): void {
  send(res, 200, JSON.stringify(result), undefined);
}

export function writeError(res: http.ServerResponse, error: SqsError): void {
  const body = JSON.stringify({ __type: error.type, message: error.message });
  const fault = error.senderFault ? 'Sender' : 'Receiver';
  send(res, error.status, body, `${error.queryCode};${fault}`);
}

function send(res: http.ServerResponse, status: number, text: string, queryError: string | undefined): void {
  if (res.headersSent || res.destroyed) return;
  // Encoded once: passing the string would measure it and then encode it again.
  const body = Buffer.from(text, 'utf8');
  const headers: http.OutgoingHttpHeaders = {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': body.length,
    'x-amzn-requestid': requestId(),
  };
  if (queryError !== undefined) headers['x-amzn-query-error'] = queryError;
  res.writeHead(status, headers);
  res.end(body);
}

const REQUEST_ID_PREFIX = randomUUID().slice(0, 24);
let requestCount = 0;

/** UUID-shaped and unique per process; a counter instead of fresh randomness per answer. */
function requestId(): string {
  requestCount = (requestCount + 1) % 0x1000000000000;
  return REQUEST_ID_PREFIX + requestCount.toString(16).padStart(12, '0');
}
