/**
 * A local stand-in for Google Cloud Pub/Sub speaking its gRPC API, built from the protos that ship
 * with @google-cloud/pubsub, so the official client runs unchanged with
 * PUBSUB_EMULATOR_HOST=host:port (or `apiEndpoint`), which also makes it use plain-text gRPC.
 *
 * What lives here: `index.ts` starts it; `service.ts` maps the gRPC methods to handlers in
 * `pull.ts` and `streaming-pull.ts`; `registry.ts` holds topics and subscriptions and fans out
 * publishes (`publish.ts` checks them); `settings.ts`, `topics.ts` and `policy.ts` carry the
 * resource rules; `subscription.ts` feeds consumers and `push.ts` posts to push endpoints;
 * `backlog.ts` is one subscription's delivery bookkeeping (with `message.ts` and `../structures/`);
 * `names.ts`, `ack-ids.ts`, `errors.ts` and `wire.ts` are the service's names, ack ids, errors and
 * message shapes. State is kept in memory only. See README.md.
 */
import type { FaultController } from '../faults.js';
import { type RunningGrpcService, startGrpcService } from '../grpc-service.js';
import type { StandInOptions } from '../http-service.js';
import { Registry } from './registry.js';
import { pubsubServiceSpec } from './service.js';

export interface PubSubOptions extends StandInOptions {
  /** How long a Pull without return_immediately waits for messages; default 2 s. */
  readonly pullWaitMs?: number;
  /** Most push requests in flight per subscription; default 32. */
  readonly pushConcurrency?: number;
}

export interface SubscriptionStats {
  /** Messages kept, delivered or not. */
  readonly messages: number;
  /** Messages delivered and not yet acknowledged, nacked or expired. */
  readonly outstanding: number;
}

export interface RunningPubSub extends RunningGrpcService {
  /** Message counts by subscription name, for tests and status pages. */
  subscriptionStats(): Record<string, SubscriptionStats>;
}

export async function startPubSub(
  faults: FaultController,
  options: PubSubOptions = {},
): Promise<RunningPubSub> {
  const registry = new Registry({
    clock: Date.now,
    duplicate: () => faults.duplicate('pubsub'),
    pushConcurrency: options.pushConcurrency ?? 32,
  });
  const spec = pubsubServiceSpec(registry, { pullWaitMs: options.pullWaitMs ?? 2000 });
  const grpc = await startGrpcService(spec, faults, options);
  let closing: Promise<void> | undefined;
  return {
    host: grpc.host,
    port: grpc.port,
    url: grpc.url,
    subscriptionStats: () => registry.stats(),
    close: () => {
      closing ??= grpc.close().then(() => registry.close());
      return closing;
    },
  };
}
