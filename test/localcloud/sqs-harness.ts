/**
 * Shared set-up for the SQS conformance suites: an SDK client on the target (the local stand-in,
 * or an external endpoint with CONFORMANCE_TARGET=external), queues with names unique per run so
 * the suites can run against a real account repeatedly, and clean-up of every queue created.
 */
import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqs } from '../../localcloud/sqs/index.js';
import { type AwsTarget, awsTarget } from './aws-target.js';

export interface SqsHarness {
  readonly target: AwsTarget;
  readonly client: SQSClient;
  /** Creates a queue named `<run>-<base>` and returns its URL; deleted by stop(). */
  createQueue(base: string, attributes?: Record<string, string>): Promise<string>;
  /** A queue name unique to this run. */
  uniqueName(base: string): string;
  stop(): Promise<void>;
}

export async function sqsHarness(): Promise<SqsHarness> {
  const target = await awsTarget('sqs', startSqs);
  const client = sqsClient(target);
  const run = `ct${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const uniqueName = (base: string) => `${run}-${base}`;
  return {
    target,
    client,
    uniqueName,
    createQueue: async (base, attributes) => {
      const out = await client.send(
        new CreateQueueCommand({ QueueName: uniqueName(base), Attributes: attributes }),
      );
      created.push(out.QueueUrl!);
      return out.QueueUrl!;
    },
    stop: async () => {
      await Promise.allSettled(created.map((QueueUrl) => client.send(new DeleteQueueCommand({ QueueUrl }))));
      client.destroy();
      await target.stop();
    },
  };
}

export function sqsClient(target: AwsTarget, extra: { maxAttempts?: number } = {}): SQSClient {
  return new SQSClient({
    endpoint: target.endpoint,
    region: target.region,
    // A copy: the SDK marks where credentials came from on the object, and the shared one is frozen.
    ...(target.credentials === undefined ? {} : { credentials: { ...target.credentials } }),
    ...extra,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { rejectionOf } from '../support/errors.js';
