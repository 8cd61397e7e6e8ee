/**
 * The actions on queues themselves: create, find, list, delete, purge, read and change attributes,
 * and list the queues that use one as their dead-letter queue.
 */
import { LOCAL_ACCOUNT_ID } from '../aws-local.js';
import type { ActionResult, CallContext } from './call-context.js';
import { invalidParameter, queueDoesNotExist, SqsError } from './errors.js';
import {
  type Input,
  isObject,
  optionalInteger,
  optionalString,
  optionalStringList,
  optionalStringMap,
  requiredString,
} from './params.js';
import type { SqsQueue } from './queue.js';
import {
  type COMPUTED_ATTRIBUTES,
  canonicalAttributes,
  fifoRefusal,
  isReadableAttribute,
  QueueSettings,
} from './queue-settings.js';
import { QUEUE_NAME, type QueueRegistry } from './registry.js';

const PURGE_INTERVAL_MS = 60_000;
const MAX_LIST_RESULTS = 1000;

export function createQueue(input: Input, ctx: CallContext): ActionResult {
  const name = requiredString(input, 'QueueName');
  if (name.endsWith('.fifo')) throw fifoRefusal();
  if (!QUEUE_NAME.test(name)) {
    throw invalidParameter('QueueName', name, 'a queue name is 1 to 80 of A-Z a-z 0-9 - _.');
  }
  if (isObject(input.tags) && Object.keys(input.tags).length > 0) {
    throw new SqsError('UnsupportedOperation', 'Queue tags are not implemented by this SQS stand-in.');
  }
  const { registry } = ctx;
  const changes = canonicalAttributes(optionalStringMap(input, 'Attributes') ?? {}, (arn) =>
    Boolean(registry.byArn(arn)),
  );
  const existing = registry.get(name);
  if (existing !== undefined) {
    if (!existing.settings.matches(changes)) {
      throw new SqsError(
        'QueueNameExists',
        `A queue named ${name} already exists with different attributes.`,
      );
    }
  } else {
    registry.create(name, new QueueSettings(changes), ctx.now);
  }
  return { QueueUrl: registry.urlOf(name) };
}

export function getQueueUrl(input: Input, ctx: CallContext): ActionResult {
  const name = requiredString(input, 'QueueName');
  const owner = optionalString(input, 'QueueOwnerAWSAccountId');
  if ((owner !== undefined && owner !== LOCAL_ACCOUNT_ID) || ctx.registry.get(name) === undefined) {
    throw queueDoesNotExist();
  }
  return { QueueUrl: ctx.registry.urlOf(name) };
}

export function listQueues(input: Input, ctx: CallContext): ActionResult {
  const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
  const names = ctx.registry.names().filter((n) => n.startsWith(prefix));
  const page = paginate(names, input);
  const out: { QueueUrls?: string[]; NextToken?: string } = {};
  if (page.items.length > 0) out.QueueUrls = page.items.map((n) => ctx.registry.urlOf(n));
  if (page.nextToken !== undefined) out.NextToken = page.nextToken;
  return out;
}

export function deleteQueue(input: Input, ctx: CallContext): ActionResult {
  ctx.registry.delete(queueOf(input, ctx.registry));
  return {};
}

export function purgeQueue(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  if (queue.lastPurgedAt > 0 && ctx.now - queue.lastPurgedAt < PURGE_INTERVAL_MS) {
    throw new SqsError(
      'PurgeQueueInProgress',
      `Queue ${queue.name} was purged less than 60 seconds ago; a queue can be purged once every 60 seconds.`,
    );
  }
  queue.purge(ctx.now);
  return {};
}

export function getQueueAttributes(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const names = optionalStringList(input, 'AttributeNames') ?? [];
  for (const name of names) {
    if (name !== 'All' && !isReadableAttribute(name)) {
      throw new SqsError('InvalidAttributeName', `Unknown attribute ${name}.`);
    }
  }
  if (names.length === 0) return {};
  const all = attributesOf(queue, ctx);
  if (names.includes('All')) return { Attributes: all };
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = all[name];
    if (value !== undefined) picked[name] = value;
  }
  return { Attributes: picked };
}

export function setQueueAttributes(input: Input, ctx: CallContext): ActionResult {
  const queue = queueOf(input, ctx.registry);
  const requested = optionalStringMap(input, 'Attributes');
  if (requested === undefined) throw new SqsError('MissingParameter', 'The request must contain Attributes.');
  const changes = canonicalAttributes(requested, (arn) => Boolean(ctx.registry.byArn(arn)));
  queue.settings.apply(changes);
  queue.modifiedAt = ctx.now;
  return {};
}

export function listDeadLetterSourceQueues(input: Input, ctx: CallContext): ActionResult {
  const target = queueOf(input, ctx.registry);
  const sources: string[] = [];
  for (const queue of ctx.registry.all()) {
    const arn = queue.settings.redrive?.deadLetterTargetArn;
    if (arn !== undefined && ctx.registry.byArn(arn) === target) sources.push(queue.name);
  }
  const page = paginate(sources.sort(), input);
  const out: { queueUrls: string[]; NextToken?: string } = {
    queueUrls: page.items.map((n) => ctx.registry.urlOf(n)),
  };
  if (page.nextToken !== undefined) out.NextToken = page.nextToken;
  return out;
}

export function queueOf(input: Input, registry: QueueRegistry): SqsQueue {
  return registry.byUrl(requiredString(input, 'QueueUrl'));
}

function attributesOf(queue: SqsQueue, ctx: CallContext): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(queue.settings.entries());
  const stats = queue.stats(ctx.now);
  const computed: Record<(typeof COMPUTED_ATTRIBUTES)[number], string> = {
    ApproximateNumberOfMessages: String(stats.visible),
    ApproximateNumberOfMessagesNotVisible: String(stats.notVisible),
    ApproximateNumberOfMessagesDelayed: String(stats.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    QueueArn: queue.arn,
  };
  return Object.assign(out, computed);
}

/**
 * A page of sorted names. Without MaxResults SQS returns up to 1000 and no token; with it, a token
 * (the last name returned, encoded) whenever more follow.
 */
function paginate(names: readonly string[], input: Input): { items: string[]; nextToken?: string } {
  const max = optionalInteger(input, 'MaxResults', 1, MAX_LIST_RESULTS);
  const token = optionalString(input, 'NextToken');
  let rest = names;
  if (token !== undefined && token !== '') {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (!QUEUE_NAME.test(after))
      throw invalidParameter('NextToken', token, 'not a token this service issued.');
    rest = names.filter((n) => n > after);
  }
  const items = rest.slice(0, max ?? MAX_LIST_RESULTS);
  if (max === undefined || rest.length <= items.length) return { items };
  return { items, nextToken: Buffer.from(items.at(-1)!, 'utf8').toString('base64url') };
}
