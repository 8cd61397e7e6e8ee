/**
 * The SQS stand-in as the HTTP shell sees it: which operation a request is (for the counts), how
 * to serve it, and how to answer with an injected throttling or server error in SQS's own format.
 *
 * Requests are served with plain callbacks and no promise unless an action waits (long polling):
 * at tens of thousands of requests a second, each extra allocation and microtask shows.
 */
import type http from 'node:http';
import { LOCAL_ACCOUNT_ID } from '../aws-local.js';
import type { FailureKind, FaultController } from '../faults.js';
import type { HttpServiceSpec } from '../http-service.js';
import { actionFor, actionName, changesState } from './actions.js';
import type { ActionResult, CallContext } from './call-context.js';
import { SqsError } from './errors.js';
import type { QueueRegistry } from './registry.js';
import { parseInput, writeError, writeResult } from './wire.js';

/** Room for a 1 MiB batch even with JSON escaping and base64 binary attributes. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const CREDENTIAL = /Credential=([^/,\s]+)\//;

export function sqsServiceSpec(
  registry: QueueRegistry,
  faults: FaultController,
  onChange: () => void,
): HttpServiceSpec {
  const server = new RequestServer(registry, faults, onChange);
  return {
    service: 'sqs',
    operationOf: (req) => actionName(req.headers['x-amz-target']) || 'Unknown',
    handle: (req, res) => server.handle(req, res),
    fail: (kind, _req, res) => writeError(res, injectedError(kind)),
  };
}

class RequestServer {
  constructor(
    readonly registry: QueueRegistry,
    readonly faults: FaultController,
    private readonly onChange: () => void,
  ) {}

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > MAX_REQUEST_BYTES) {
        this.refuse(
          res,
          new SqsError(
            'InvalidParameterValue',
            `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`,
          ),
        );
      } else {
        this.answer(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      }
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const name = actionName(req.headers['x-amz-target']);
    try {
      checkProtocol(req);
      const result = actionFor(name)(parseInput(body), new RequestContext(this, req, res));
      if (result instanceof Promise) {
        result.then(
          (value) => this.succeed(res, name, value),
          (err: unknown) => this.refuse(res, err),
        );
      } else {
        this.succeed(res, name, result);
      }
    } catch (err) {
      this.refuse(res, err);
    }
  }

  private succeed(res: http.ServerResponse, name: string, result: ActionResult): void {
    if (changesState(name)) this.onChange();
    writeResult(res, result);
  }

  /** Answers with the SQS error, or with InternalError naming an unexpected failure. */
  private refuse(res: http.ServerResponse, err: unknown): void {
    const error =
      err instanceof SqsError
        ? err
        : new SqsError('InternalError', `Internal error in the SQS stand-in: ${(err as Error).message}`);
    writeError(res, error);
  }
}

class RequestContext implements CallContext {
  readonly registry: QueueRegistry;
  readonly faults: FaultController;
  readonly now: number;

  constructor(
    server: RequestServer,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
  ) {
    this.registry = server.registry;
    this.faults = server.faults;
    this.now = server.registry.clock();
  }

  private sender: string | undefined;

  /** The access key id the request was signed with; read only by sends, so worked out lazily. */
  get senderId(): string {
    this.sender ??= CREDENTIAL.exec(this.req.headers.authorization ?? '')?.[1] ?? LOCAL_ACCOUNT_ID;
    return this.sender;
  }

  onClientGone(listener: () => void): () => void {
    const res = this.res;
    const onClose = () => {
      if (!res.writableFinished) listener();
    };
    res.once('close', onClose);
    return () => res.off('close', onClose);
  }
}

function checkProtocol(req: http.IncomingMessage): void {
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && !type.startsWith('application/x-www-form-urlencoded')) return;
  throw new SqsError(
    'InvalidAction',
    'This SQS stand-in speaks the AWS JSON 1.0 protocol only (POST / with x-amz-target and a JSON body); ' +
      'the older query protocol is not supported.',
  );
}

function injectedError(kind: FailureKind): SqsError {
  return kind === 'throttle'
    ? new SqsError('RequestThrottled', 'Rate exceeded: the request was throttled (fault injected locally).')
    : new SqsError('InternalError', 'The service had an internal error (fault injected locally).');
}
