/**
 * Where the Firestore conformance suites send their requests, and the clients they use.
 *
 * By default each suite starts the local stand-in in-process on a free port and points clients at
 * it with `host` and `ssl: false`, leaving process.env alone. With CONFORMANCE_TARGET=external the
 * suites use FIRESTORE_EMULATOR_HOST (host:port), which the client reads itself, and
 * FIRESTORE_PROJECT_ID when set, so the same assertions run against the gcloud emulator. Checks
 * that need the stand-in's own controls (fault injection, request counts) or that pin down a
 * documented stand-in choice run only locally.
 */
import { randomBytes } from 'node:crypto';
import { Firestore, type Settings } from '@google-cloud/firestore';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningFirestore, startFirestore } from '../../localcloud/firestore/index.js';

export const external = process.env.CONFORMANCE_TARGET === 'external';

export interface FirestoreTarget {
  /** host:port */
  readonly endpoint: string;
  readonly projectId: string;
  /** The fault controller and the running stand-in when the target is local. */
  readonly faults: FaultController | undefined;
  readonly running: RunningFirestore | undefined;
  readonly local: boolean;
  /** A client on the target; closed by stop(). */
  client(settings?: Settings): Firestore;
  /** A collection id unique to this run, so suites can share an emulator across runs. */
  collection(base: string): string;
  stop(): Promise<void>;
}

export async function firestoreTarget(): Promise<FirestoreTarget> {
  const run = `ct${randomBytes(4).toString('hex')}`;
  const clients: Firestore[] = [];
  let endpoint: string;
  let running: RunningFirestore | undefined;
  let faults: FaultController | undefined;
  if (external) {
    endpoint = process.env.FIRESTORE_EMULATOR_HOST ?? '';
    if (endpoint === '')
      throw new Error('CONFORMANCE_TARGET=external needs FIRESTORE_EMULATOR_HOST (host:port)');
  } else {
    faults = new FaultController();
    running = await startFirestore(faults, { port: 0 });
    endpoint = running.url;
  }
  const projectId = (external ? process.env.FIRESTORE_PROJECT_ID : undefined) ?? 'local-project';
  return {
    endpoint,
    projectId,
    faults,
    running,
    local: !external,
    client: (settings = {}) => {
      const endpointSettings = external ? {} : { host: endpoint, ssl: false };
      const client = new Firestore({ projectId, ...endpointSettings, ...settings });
      clients.push(client);
      return client;
    },
    collection: (base) => `${run}-${base}`,
    stop: async () => {
      await Promise.allSettled(clients.map((c) => c.terminate()));
      await running?.close();
    },
  };
}

export { rejectionOf } from '../support/errors.js';
