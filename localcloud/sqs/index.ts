/**
 * A local stand-in for Amazon SQS standard queues, speaking the AWS JSON 1.0 protocol the current
 * SDKs use, so the official clients and the production adapters run against it unchanged.
 *
 * What lives here: `index.ts` starts it; `service.ts` and `wire.ts` are the HTTP and JSON side;
 * `actions.ts` maps each action to its handler in `queue-actions.ts`, `message-actions.ts` and
 * `batch-actions.ts`; `registry.ts` holds the queues and resolves URLs and ARNs; `queue.ts` is one
 * queue's message bookkeeping (with `long-poll.ts`, `receipts.ts` and `../structures/`);
 * `queue-settings.ts`, `message-content.ts`, `delivery.ts` and `checksums.ts` carry SQS's rules on
 * attributes, contents and digests; `persistence.ts` keeps state across restarts; `throughput.ts`
 * measures an endpoint for benchmarks. See README.md.
 */
import { join } from 'node:path';
import type { FaultController } from '../faults.js';
import { type RunningHttpService, type StandInOptions, startHttpService } from '../http-service.js';
import { SnapshotStore } from './persistence.js';
import type { QueueStats } from './queue.js';
import { QueueRegistry } from './registry.js';
import { sqsServiceSpec } from './service.js';

export type { QueueStats } from './queue.js';

export interface RunningSqs extends RunningHttpService {
  /** Message counts of every queue, by queue name, for tests and status pages. */
  queueStats(): Record<string, QueueStats>;
}

export async function startSqs(faults: FaultController, options: StandInOptions = {}): Promise<RunningSqs> {
  const registry = new QueueRegistry();
  const store =
    options.dataDir === undefined ? undefined : new SnapshotStore(join(options.dataDir, 'sqs'), registry);
  await store?.load();
  const http = await startHttpService(
    sqsServiceSpec(registry, faults, () => store?.changed()),
    faults,
    options,
  );
  registry.baseUrl = http.url;
  let closing: Promise<void> | undefined;
  const close = async () => {
    await http.close();
    registry.close();
    await store?.close();
  };
  return {
    host: http.host,
    port: http.port,
    url: http.url,
    queueStats: () => {
      const now = registry.clock();
      return Object.fromEntries(registry.names().map((n) => [n, registry.get(n)!.stats(now)]));
    },
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
