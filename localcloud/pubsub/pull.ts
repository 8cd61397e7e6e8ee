/**
 * The unary subscriber calls: Pull, Acknowledge and ModifyAckDeadline. Pull answers at once when
 * messages are there or return_immediately is set; otherwise it waits up to a few seconds for
 * messages and then answers with none, as the service does when a subscription is quiet.
 */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { GrpcStatusError } from '../grpc-service.js';
import { checkAckDeadline, checkAckIds } from './ack-ids.js';
import { invalidArgument } from './errors.js';
import type { Registry } from './registry.js';
import type { ReceivedMessage } from './wire.js';

export interface PullRequest {
  subscription: string;
  returnImmediately: boolean;
  maxMessages: number;
}

export interface PullResponse {
  receivedMessages: ReceivedMessage[];
}

export interface AcknowledgeRequest {
  subscription: string;
  ackIds: string[];
}

export interface ModifyAckDeadlineRequest {
  subscription: string;
  ackIds: string[];
  ackDeadlineSeconds: number;
}

export function pull(
  registry: Registry,
  waitMs: number,
): (
  request: PullRequest,
  call: ServerUnaryCall<PullRequest, PullResponse>,
) => PullResponse | Promise<PullResponse> {
  return (request, call) => {
    const subscription = registry.subscription(request.subscription);
    if (request.maxMessages <= 0) {
      throw invalidArgument(`Invalid max_messages ${request.maxMessages}: it must be greater than 0`);
    }
    const entries = subscription.takeForPull(request.maxMessages);
    if (entries.length > 0 || request.returnImmediately) {
      return { receivedMessages: subscription.received(entries) };
    }
    return new Promise<PullResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let withdraw = () => {};
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        withdraw();
        outcome();
      };
      const none = () => resolve({ receivedMessages: [] });
      withdraw = subscription.wait({
        max: request.maxMessages,
        serve: (served) => settle(() => resolve({ receivedMessages: subscription.received(served) })),
        end: (error: GrpcStatusError) => settle(() => reject(error)),
      });
      timer = setTimeout(() => settle(none), waitMs);
      timer.unref();
      call.once('cancelled', () => settle(none));
    });
  };
}

export function acknowledge(registry: Registry): (request: AcknowledgeRequest) => object {
  return (request) => {
    const subscription = registry.subscription(request.subscription);
    if (request.ackIds.length === 0) throw invalidArgument('The request must contain at least one ack id');
    checkAckIds(request.ackIds);
    subscription.backlog.ack(request.ackIds);
    return {};
  };
}

export function modifyAckDeadline(registry: Registry): (request: ModifyAckDeadlineRequest) => object {
  return (request) => {
    const subscription = registry.subscription(request.subscription);
    if (request.ackIds.length === 0) throw invalidArgument('The request must contain at least one ack id');
    checkAckIds(request.ackIds);
    checkAckDeadline(request.ackDeadlineSeconds);
    subscription.backlog.modify(request.ackIds, request.ackDeadlineSeconds);
    return {};
  };
}
