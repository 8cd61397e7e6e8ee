/**
 * Starts the local cloud: every stand-in on loopback, one fault controller for all of them, and the
 * control endpoint that changes faults and reads request counts at run time. Returns the standard
 * variables an SDK client needs to find each service, and a stop().
 *
 * Tests call startLocalCloud() in-process with port 0, so suites run side by side; the
 * `localcloud` command wraps the same function for a shell.
 */
import { LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY } from './aws-local.js';
import { type ControlServer, startControlServer } from './control.js';
import { FaultController, SERVICES, type ServiceName } from './faults.js';
import { LOCAL_PROJECT_ID } from './gcp-local.js';
import type { StandInOptions } from './http-service.js';
import { type RunningStandIn, STAND_INS } from './stand-ins.js';

export interface LocalCloudOptions {
  readonly host?: string;
  /** Fixed ports per service; the rest get free ports. */
  readonly ports?: Partial<Record<ServiceName, number>>;
  /** Keep state across restarts where a stand-in can (SQS, DynamoDB, S3, Cloud Storage); in memory otherwise. */
  readonly dataDir?: string;
  /** Services to start; default every available one. */
  readonly services?: readonly ServiceName[];
  readonly faults?: FaultController;
  /** Port of the control endpoint: a number (0 for a free one), or false for none. Default false. */
  readonly controlPort?: number | false;
}

export interface LocalCloud {
  /** NAME → value for every variable a client needs, e.g. AWS_ENDPOINT_URL_SQS. */
  readonly env: Readonly<Record<string, string>>;
  /** Base URL of each HTTP service; host:port of each gRPC service. */
  readonly endpoints: Readonly<Partial<Record<ServiceName, string>>>;
  readonly faults: FaultController;
  readonly controlUrl: string | undefined;
  stop(): Promise<void>;
}

export class LocalCloudError extends Error {}

/** The services that have a stand-in in this build. */
export function availableServices(): ServiceName[] {
  return SERVICES.filter((s) => STAND_INS[s] !== undefined);
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const faults = options.faults ?? new FaultController();
  const host = options.host ?? '127.0.0.1';
  const wanted = options.services ?? availableServices();
  const running = new Map<ServiceName, RunningStandIn>();
  const env: Record<string, string> = {};
  try {
    for (const service of wanted) {
      const standIn = STAND_INS[service];
      if (standIn === undefined) throw new LocalCloudError(`no local stand-in for ${service} in this build`);
      const opts: StandInOptions = { host, port: options.ports?.[service] ?? 0, dataDir: options.dataDir };
      const started = await standIn.start(faults, opts);
      running.set(service, started);
      Object.assign(env, standIn.env(started));
    }
  } catch (err) {
    await Promise.allSettled([...running.values()].map((r) => r.close()));
    throw err;
  }
  if (wanted.some((s) => s === 'sqs' || s === 'dynamodb' || s === 's3')) {
    Object.assign(env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    });
  }
  if (wanted.some((s) => s === 'pubsub' || s === 'firestore' || s === 'storage')) {
    env.GOOGLE_CLOUD_PROJECT = LOCAL_PROJECT_ID;
    // The Google clients otherwise probe the GCE metadata server, which does not exist here.
    env.METADATA_SERVER_DETECTION = 'none';
  }
  let control: ControlServer | undefined;
  if (options.controlPort !== undefined && options.controlPort !== false) {
    control = await startControlServer(faults, () => env, { host, port: options.controlPort });
    env.LOCALCLOUD_CONTROL_URL = control.url;
  }
  const endpoints = Object.fromEntries([...running].map(([s, r]) => [s, r.url]));
  return {
    env: Object.freeze({ ...env }),
    endpoints: Object.freeze(endpoints),
    faults,
    controlUrl: control?.url,
    stop: async () => {
      await control?.close();
      await Promise.allSettled([...running.values()].map((r) => r.close()));
    },
  };
}
