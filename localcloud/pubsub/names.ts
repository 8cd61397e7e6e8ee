/**
 * Resource names: `projects/{project}/topics/{topic}` and `projects/{project}/subscriptions/{id}`.
 * Ids follow the service's rules (3–255 characters from letters, digits and `-_.~+%`, starting
 * with a letter, not starting with "goog"); project ids are taken as given, as emulators do.
 */
import { invalidArgument, type ResourceKind } from './errors.js';

/** The topic a subscription points at once its topic has been deleted. */
export const DELETED_TOPIC = '_deleted-topic_';

const ID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;
const NAME = /^projects\/([^/]+)\/(topics|subscriptions)\/([^/]+)$/;
const PROJECT = /^projects\/([^/]+)$/;

export interface ResourceName {
  readonly project: string;
  readonly id: string;
}

/** Checks a full name of the given kind; INVALID_ARGUMENT naming the field when malformed. */
export function parseName(kind: ResourceKind, name: string, field: string = kind): ResourceName {
  const match = NAME.exec(name);
  const collection = kind === 'topic' ? 'topics' : 'subscriptions';
  if (match === null || match[2] !== collection) {
    throw invalidArgument(
      `Invalid ${field} name "${name}": expected projects/{project}/${collection}/{${kind}}`,
    );
  }
  const id = match[3]!;
  if (!ID.test(id) || id.toLowerCase().startsWith('goog')) {
    throw invalidArgument(
      `Invalid ${kind} id "${id}" in ${field}: ids are 3 to 255 characters of letters, digits and -_.~+%, ` +
        'start with a letter, and must not start with "goog"',
    );
  }
  return { project: match[1]!, id };
}

/** The project of a `projects/{project}` parent. */
export function parseProject(parent: string): string {
  const match = PROJECT.exec(parent);
  if (match === null) throw invalidArgument(`Invalid project "${parent}": expected projects/{project}`);
  return match[1]!;
}

/** The project a valid full name belongs to, without re-validating it. */
export function projectOf(name: string): string {
  return name.split('/', 2)[1] ?? '';
}

/** The last segment of a full name. */
export function idOf(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
