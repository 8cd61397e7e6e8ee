/**
 * Where the Pub/Sub conformance suites send their requests.
 *
 * By default each suite starts the local stand-in in-process on a free port. With
 * CONFORMANCE_TARGET=external the suites use PUBSUB_EMULATOR_HOST (host:port) instead, and
 * PUBSUB_PROJECT_ID when set, so the same assertions run against the gcloud emulator. Checks that
 * need the stand-in's own controls (fault injection, request counts) run only locally.
 */
import { FaultController } from '../../localcloud/faults.js';
import { type RunningPubSub, startPubSub } from '../../localcloud/pubsub/index.js';

export interface PubSubTarget {
  /** host:port */
  readonly endpoint: string;
  readonly projectId: string;
  /** The fault controller and the running stand-in when the target is local. */
  readonly faults: FaultController | undefined;
  readonly running: RunningPubSub | undefined;
  readonly local: boolean;
  stop(): Promise<void>;
}

export const external = process.env.CONFORMANCE_TARGET === 'external';

export async function pubsubTarget(): Promise<PubSubTarget> {
  if (external) {
    const endpoint = process.env.PUBSUB_EMULATOR_HOST;
    if (endpoint === undefined || endpoint === '') {
      throw new Error('CONFORMANCE_TARGET=external needs PUBSUB_EMULATOR_HOST (host:port)');
    }
    return {
      endpoint,
      projectId: process.env.PUBSUB_PROJECT_ID ?? 'local-project',
      faults: undefined,
      running: undefined,
      local: false,
      stop: async () => {},
    };
  }
  const faults = new FaultController();
  const running = await startPubSub(faults, { port: 0 });
  return {
    endpoint: running.url,
    projectId: 'local-project',
    faults,
    running,
    local: true,
    stop: () => running.close(),
  };
}
