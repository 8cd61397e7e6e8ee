import { describe, expect, it } from 'vitest';
import { CloudError, fromAwsError, fromGrpcError, isNetworkError } from '../../clouds/errors.js';

function awsError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('fromAwsError', () => {
  it.each([
    ['RequestThrottled', 400, 'THROTTLED', true],
    ['ThrottlingException', 400, 'THROTTLED', true],
    ['SomethingNew', 429, 'THROTTLED', true],
    ['KmsThrottled', 400, 'THROTTLED', true],
    ['InternalError', 500, 'UNAVAILABLE', true],
    ['ServiceUnavailable', 503, 'UNAVAILABLE', true],
    ['TimeoutError', undefined, 'UNAVAILABLE', true],
    ['QueueDoesNotExist', 400, 'NOT_FOUND', false],
    ['AWS.SimpleQueueService.NonExistentQueue', 400, 'NOT_FOUND', false],
    ['BatchRequestTooLong', 400, 'TOO_LARGE', false],
    ['InvalidMessageContents', 400, 'BAD_MESSAGE', false],
    ['AccessDenied', 403, 'REJECTED', false],
    ['InvalidParameterValue', 400, 'REJECTED', false],
    ['AbortError', undefined, 'UNKNOWN', false],
    ['TypeError', undefined, 'UNKNOWN', false],
  ] as const)('%s (HTTP %s) is %s, retryable %s', (name, status, code, retryable) => {
    const cause = awsError(name, status);

    const err = fromAwsError('sqs', cause);

    expect([err.code, err.retryable, err.service]).toEqual([code, retryable, 'sqs']);
    expect(err.cause).toBe(cause);
    expect(err.message).toContain(`${name} happened`);
  });

  it('takes the SDK retryable trait as transient, and its throttling flag as throttling', () => {
    expect(fromAwsError('sqs', awsError('Odd', 400, { $retryable: {} })).code).toBe('UNAVAILABLE');
    expect(fromAwsError('sqs', awsError('Odd', 400, { $retryable: { throttling: true } })).code).toBe(
      'THROTTLED',
    );
  });

  it('treats connection failures as unavailable and retryable, also when wrapped', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']) {
      const err = fromAwsError('sqs', networkError(code));
      expect([err.code, err.retryable]).toEqual(['UNAVAILABLE', true]);
    }
    const wrapped = new Error('fetch failed', { cause: networkError('ECONNREFUSED') });
    expect(isNetworkError(wrapped)).toBe(true);
    expect(fromGrpcError('pubsub', wrapped).code).toBe('UNAVAILABLE');
  });

  it('passes a CloudError through unchanged', () => {
    const original = new CloudError('sqs', 'TOO_LARGE', 'big');
    expect(fromAwsError('sqs', original)).toBe(original);
  });

  it('copes with a thrown non-error', () => {
    const err = fromAwsError('sqs', 'boom');
    expect([err.code, err.retryable, err.message]).toEqual(['UNKNOWN', false, 'sqs: error: boom']);
  });
});

describe('fromGrpcError', () => {
  function grpcError(code: number, details: string): Error {
    return Object.assign(new Error(`${code} ${details}`), { code, details });
  }

  it.each([
    [8, 'THROTTLED', true],
    [14, 'UNAVAILABLE', true],
    [4, 'UNAVAILABLE', true],
    [13, 'UNAVAILABLE', true],
    [10, 'UNAVAILABLE', true],
    [1, 'UNAVAILABLE', true],
    [2, 'UNKNOWN', true],
    [5, 'NOT_FOUND', false],
    [3, 'REJECTED', false],
    [7, 'REJECTED', false],
    [16, 'REJECTED', false],
    [9, 'REJECTED', false],
  ] as const)('gRPC status %i is %s, retryable %s', (status, code, retryable) => {
    const cause = grpcError(status, 'details');

    const err = fromGrpcError('pubsub', cause);

    expect([err.code, err.retryable, err.service]).toEqual([code, retryable, 'pubsub']);
    expect(err.cause).toBe(cause);
  });

  it('calls an INVALID_ARGUMENT about the size limit TOO_LARGE', () => {
    const local = grpcError(3, 'The publish request is 10000100 bytes; the limit is 10000000 bytes (10 MB)');
    const service = grpcError(3, 'Request payload size exceeds the limit: 10485760 bytes.');
    for (const e of [local, service]) {
      expect([fromGrpcError('pubsub', e).code, fromGrpcError('pubsub', e).retryable]).toEqual([
        'TOO_LARGE',
        false,
      ]);
    }
  });

  it('reads the code the client copies onto its ordering-key PublishError', () => {
    const publishError = Object.assign(
      new Error('Unable to publish for key "BTCUSDT". Reason: 14 UNAVAILABLE'),
      {
        code: 14,
        orderingKey: 'BTCUSDT',
      },
    );
    expect(fromGrpcError('pubsub', publishError).code).toBe('UNAVAILABLE');
  });

  it('calls an error without a status UNKNOWN and not retryable', () => {
    const err = fromGrpcError('pubsub', new TypeError('Data must be in the form of a Buffer'));
    expect([err.code, err.retryable]).toEqual(['UNKNOWN', false]);
  });
});
