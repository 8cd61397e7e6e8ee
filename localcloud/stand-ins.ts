/**
 * The registry of stand-ins the launcher can start: how to start each one and which standard
 * variables point a client at it. The one place that picks the implementation per service.
 */
import { startDynamoDb } from './dynamodb.js';
import type { FaultController, ServiceName } from './faults.js';
import { startFirestore } from './firestore/index.js';
import { startStorage } from './gcs/index.js';
import type { RunningHttpService, StandInOptions } from './http-service.js';
import { startPubSub } from './pubsub/index.js';
import { startS3 } from './s3.js';
import { startSqs } from './sqs/index.js';

/** What every running stand-in offers, over HTTP or gRPC. */
export type RunningStandIn = Pick<RunningHttpService, 'host' | 'port' | 'url' | 'close'>;

export interface StandIn {
  start(faults: FaultController, options: StandInOptions): Promise<RunningStandIn>;
  /** The variables a client needs to reach the running stand-in. */
  env(running: RunningStandIn): Record<string, string>;
}

export const STAND_INS: Partial<Record<ServiceName, StandIn>> = {
  sqs: { start: startSqs, env: (r) => ({ AWS_ENDPOINT_URL_SQS: r.url }) },
  dynamodb: { start: startDynamoDb, env: (r) => ({ AWS_ENDPOINT_URL_DYNAMODB: r.url }) },
  s3: { start: startS3, env: (r) => ({ AWS_ENDPOINT_URL_S3: r.url }) },
  // The gRPC stand-ins' url is host:port, the form the *_EMULATOR_HOST variables take.
  pubsub: { start: startPubSub, env: (r) => ({ PUBSUB_EMULATOR_HOST: r.url }) },
  firestore: { start: startFirestore, env: (r) => ({ FIRESTORE_EMULATOR_HOST: r.url }) },
  storage: { start: startStorage, env: (r) => ({ STORAGE_EMULATOR_HOST: r.url }) },
};
