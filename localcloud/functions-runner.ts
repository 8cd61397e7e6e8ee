/**
 * Runs a Pub/Sub-triggered function the way a 2nd-gen Cloud Function runs.
 *
 * The function is hosted by the Functions Framework (@google-cloud/functions-framework), as in
 * production. A push subscription on the trigger topic delivers each message to a small relay that
 * plays Eventarc's part: it turns the push into the CloudEvent
 * `google.cloud.pubsub.topic.v1.messagePublished` (binary mode: `ce-*` headers, JSON data with the
 * message and the subscription) and passes back the function's answer. A 2xx acks the message; an
 * error, a non-2xx answer or a timeout nacks it, so redelivery follows the subscription's retry
 * policy and its dead-letter policy ends poison messages in the dead-letter topic.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, cloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { PubSub } from '@google-cloud/pubsub';
import { readBody } from './http-service.js';

/** The data of a messagePublished CloudEvent. */
export interface MessagePublishedData {
  readonly message: {
    readonly data?: string;
    readonly attributes?: Record<string, string>;
    readonly messageId: string;
    readonly publishTime: string;
    readonly orderingKey?: string;
  };
  readonly subscription: string;
}

export type PubSubFunction = (event: CloudEvent<MessagePublishedData>) => unknown;

export interface FunctionsRunnerOptions {
  readonly pubsub: PubSub;
  readonly projectId: string;
  /** Trigger topic (short name); it must exist. */
  readonly topic: string;
  /** Unique per process: the Functions Framework registers functions by name. */
  readonly functionName: string;
  readonly handler: PubSubFunction;
  /** Dead-letter topic (short name) and the attempts before a message goes there (5..100). */
  readonly deadLetterTopic?: string;
  readonly maxDeliveryAttempts?: number;
  /** Redelivery backoff of failed messages, seconds; Pub/Sub's defaults are 10 and 600. */
  readonly minimumBackoffSeconds?: number;
  readonly maximumBackoffSeconds?: number;
  /** The function's timeout; a longer run nacks. Default 60 s. */
  readonly timeoutMs?: number;
  readonly onInvocation?: (outcome: FunctionOutcome) => void;
}

export interface FunctionOutcome {
  readonly messageId: string;
  readonly status: number;
  readonly deliveryAttempt: number | undefined;
}

const EVENT_TYPE = 'google.cloud.pubsub.topic.v1.messagePublished';
const MAX_PUSH_BODY = 16 * 1024 * 1024;

export class FunctionsRunner {
  private readonly opts: FunctionsRunnerOptions;
  private functionServer: http.Server | undefined;
  private relay: http.Server | undefined;
  private functionUrl = '';
  readonly subscriptionName: string;

  constructor(options: FunctionsRunnerOptions) {
    this.opts = options;
    this.subscriptionName = `${options.functionName}-trigger`;
  }

  async start(): Promise<void> {
    const { pubsub, projectId, topic, deadLetterTopic } = this.opts;
    cloudEvent(this.opts.functionName, this.opts.handler);
    this.functionServer = getTestServer(this.opts.functionName);
    this.functionUrl = `http://127.0.0.1:${await listen(this.functionServer)}/`;
    this.relay = http.createServer((req, res) => {
      this.deliver(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    const relayPort = await listen(this.relay);
    await pubsub.topic(topic).createSubscription(this.subscriptionName, {
      ackDeadlineSeconds: Math.min(600, Math.max(10, Math.ceil((this.opts.timeoutMs ?? 60_000) / 1000))),
      pushConfig: { pushEndpoint: `http://127.0.0.1:${relayPort}/` },
      retryPolicy: {
        minimumBackoff: { seconds: this.opts.minimumBackoffSeconds ?? 10 },
        maximumBackoff: { seconds: this.opts.maximumBackoffSeconds ?? 600 },
      },
      ...(deadLetterTopic === undefined
        ? {}
        : {
            deadLetterPolicy: {
              deadLetterTopic: `projects/${projectId}/topics/${deadLetterTopic}`,
              maxDeliveryAttempts: this.opts.maxDeliveryAttempts ?? 5,
            },
          }),
    });
  }

  async stop(): Promise<void> {
    await this.opts.pubsub
      .subscription(this.subscriptionName)
      .delete()
      .catch(() => undefined);
    for (const server of [this.relay, this.functionServer]) {
      if (server === undefined) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** One push from the subscription → one CloudEvent to the function; its status is the verdict. */
  private async deliver(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const push = JSON.parse((await readBody(req, MAX_PUSH_BODY)).toString('utf8')) as {
      message: MessagePublishedData['message'];
      subscription: string;
      deliveryAttempt?: number;
    };
    const { projectId, topic } = this.opts;
    const status = await this.invoke(push, {
      'ce-id': push.message.messageId,
      'ce-source': `//pubsub.googleapis.com/projects/${projectId}/topics/${topic}`,
      'ce-specversion': '1.0',
      'ce-type': EVENT_TYPE,
      'ce-time': push.message.publishTime,
      'content-type': 'application/json',
    });
    this.opts.onInvocation?.({
      messageId: push.message.messageId,
      status,
      deliveryAttempt: push.deliveryAttempt,
    });
    res.writeHead(status >= 200 && status < 300 ? 204 : 500).end();
  }

  private async invoke(
    push: { message: unknown; subscription: string },
    headers: Record<string, string>,
  ): Promise<number> {
    const body = JSON.stringify({ message: push.message, subscription: push.subscription });
    try {
      const answer = await fetch(this.functionUrl, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
      });
      await answer.arrayBuffer();
      return answer.status;
    } catch {
      return 504; // timed out or unreachable: a failed delivery, as the push would see it
    }
  }
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
