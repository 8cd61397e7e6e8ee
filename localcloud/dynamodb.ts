/**
 * The DynamoDB stand-in: dynalite on an internal loopback port, behind the shared HTTP shell so
 * it gets the fault layer and request counting like every other service.
 *
 * Tables become ACTIVE at once (dynalite's default keeps them CREATING for half a second, which
 * only slows tests). With a data directory, dynalite keeps its LevelDB there and tables survive a
 * restart; otherwise everything lives in memory.
 */
import { mkdir } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import dynalite from 'dynalite';
import type { FailureKind, FaultController } from './faults.js';
import { type RunningHttpService, type StandInOptions, startFront } from './http-service.js';
import { Forwarder } from './proxy.js';

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const TARGET_PREFIX = 'DynamoDB_20120810.';

export type DynamoDbStandInErrorCode = 'DATA_DIR_IN_USE';

export class DynamoDbStandInError extends Error {
  readonly code: DynamoDbStandInErrorCode;

  constructor(code: DynamoDbStandInErrorCode, message: string) {
    super(message);
    this.name = 'DynamoDbStandInError';
    this.code = code;
  }
}

/**
 * LevelDB allows one opener per directory, and dynalite only finds out on the first request, where
 * the failure is thrown outside any handler and ends the process. Refusing a second start on the
 * same directory up front turns that into an ordinary error, at least within this process.
 */
const openDirectories = new Set<string>();

export async function startDynamoDb(
  faults: FaultController,
  options: StandInOptions = {},
): Promise<RunningHttpService> {
  const directory = options.dataDir === undefined ? undefined : path.resolve(options.dataDir, 'dynamodb');
  const backend = await startBackend(directory);
  const forwarder = new Forwarder(backend.address, (res, cause) =>
    writeError(res, 502, 'InternalServerError', `the DynamoDB stand-in lost its backend: ${cause.message}`),
  );
  const stopBackend = async () => {
    forwarder.close();
    await backend.close();
  };
  return startFront(
    {
      service: 'dynamodb',
      operationOf: dynamoDbOperation,
      handle: (req, res) => forwarder.forward(req, res),
      fail: failDynamoDb,
    },
    faults,
    options,
    stopBackend,
  );
}

/** The operation named by the JSON protocol's target header, e.g. `PutItem`; `Other` when absent. */
export function dynamoDbOperation(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return 'Other';
  const operation = target.slice(TARGET_PREFIX.length);
  return /^[A-Za-z]+$/.test(operation) ? operation : 'Other';
}

/**
 * ThrottlingException rather than ProvisionedThroughputExceededException: both are on the SDK's
 * list of throttling codes, but this one is what on-demand tables answer, and it is not tied to a
 * table's provisioned capacity, which the pipeline does not configure.
 */
function failDynamoDb(kind: FailureKind, _req: http.IncomingMessage, res: http.ServerResponse): void {
  if (kind === 'throttle') {
    writeError(res, 400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
  } else {
    writeError(res, 500, 'InternalServerError', 'Internal server error (injected by the fault layer).');
  }
}

function writeError(res: http.ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: `${ERROR_PREFIX}${type}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

interface DynaliteBackend {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

async function startBackend(directory: string | undefined): Promise<DynaliteBackend> {
  if (directory !== undefined) {
    if (openDirectories.has(directory)) {
      throw new DynamoDbStandInError(
        'DATA_DIR_IN_USE',
        `${directory} is already served by a DynamoDB stand-in`,
      );
    }
    await mkdir(directory, { recursive: true });
    openDirectories.add(directory);
  }
  const server = dynalite({
    ...(directory === undefined ? {} : { path: directory }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // Longer than the forwarder's idle timeout, so the backend never closes a socket the pool is
  // about to reuse.
  server.keepAliveTimeout = 60_000;
  const release = () => {
    if (directory !== undefined) openDirectories.delete(directory);
  };
  try {
    await listenOnLoopback(server);
  } catch (err) {
    release();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    address: { host: '127.0.0.1', port },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // dynalite's close waits for requests in flight, then closes the database.
        server.close((err) => {
          release();
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function listenOnLoopback(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
