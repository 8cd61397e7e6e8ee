/**
 * Which action serves each `x-amz-target`. Actions SQS has but this stand-in does not implement
 * are refused by name, never answered with a pretend success.
 */
import { changeMessageVisibilityBatch, deleteMessageBatch, sendMessageBatch } from './batch-actions.js';
import type { Action } from './call-context.js';
import { SqsError } from './errors.js';
import { changeMessageVisibility, deleteMessage, receiveMessage, sendMessage } from './message-actions.js';
import {
  createQueue,
  deleteQueue,
  getQueueAttributes,
  getQueueUrl,
  listDeadLetterSourceQueues,
  listQueues,
  purgeQueue,
  setQueueAttributes,
} from './queue-actions.js';

export const TARGET_PREFIX = 'AmazonSQS.';

const ACTIONS: Readonly<Record<string, Action>> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};

const NOT_IMPLEMENTED = new Set([
  'AddPermission',
  'RemovePermission',
  'TagQueue',
  'UntagQueue',
  'ListQueueTags',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'ListMessageMoveTasks',
]);

/** Actions that change nothing, so they need no snapshot. */
const READ_ONLY = new Set(['GetQueueUrl', 'ListQueues', 'GetQueueAttributes', 'ListDeadLetterSourceQueues']);

/** The action an `x-amz-target` header names, without the service prefix; '' when it names none. */
export function actionName(target: string | string[] | undefined): string {
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return '';
  return target.slice(TARGET_PREFIX.length);
}

export function actionFor(name: string): Action {
  if (Object.hasOwn(ACTIONS, name)) return ACTIONS[name]!;
  if (NOT_IMPLEMENTED.has(name)) {
    throw new SqsError('UnsupportedOperation', `${name} is not implemented by this SQS stand-in.`);
  }
  const named = name === '' ? 'The request names no SQS action' : `${name} is not an SQS action`;
  throw new SqsError(
    'InvalidAction',
    `${named}; send POST / with the header x-amz-target: ${TARGET_PREFIX}<Action> (AWS JSON 1.0).`,
  );
}

export function changesState(name: string): boolean {
  return !READ_ONLY.has(name);
}
