/**
 * What the stand-in keeps per bucket and per object, and the rules on what clients may write:
 * names, the object fields settable on upload or by patch, and bucket labels. Fields the service
 * has and the stand-in does not keep are refused by name rather than silently dropped.
 */
import { GcsError, invalid, notImplemented } from './errors.js';

export interface BucketRecord {
  readonly name: string;
  readonly project: string;
  readonly metageneration: number;
  readonly timeCreated: string;
  readonly updated: string;
  readonly location: string;
  readonly storageClass: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The object fields a client sets on upload and may change by patch. */
export interface WritableFields {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ObjectRecord extends WritableFields {
  readonly bucket: string;
  readonly name: string;
  readonly generation: number;
  readonly metageneration: number;
  readonly size: number;
  readonly md5Hash: string;
  readonly crc32c: string;
  readonly timeCreated: string;
  readonly updated: string;
}

/** What an upload's metadata may carry beyond the writable fields. */
export interface UploadMetadata extends WritableFields {
  readonly name?: string;
  readonly md5Hash?: string;
  readonly crc32c?: string;
}

const STRING_FIELDS = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
] as const;

/** Set by the service; clients echo them back and the service ignores them. */
const READ_ONLY_FIELDS = new Set([
  'kind',
  'id',
  'bucket',
  'selfLink',
  'mediaLink',
  'generation',
  'metageneration',
  'size',
  'etag',
  'timeCreated',
  'updated',
  'timeStorageClassUpdated',
  'timeFinalized',
  'owner',
  'componentCount',
]);

const MAX_OBJECT_NAME_BYTES = 1024;
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function checkBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.startsWith('goog') || name.includes('..')) {
    throw invalid(
      `Invalid bucket name: '${name}'. Names are 3-63 characters of a-z, 0-9, '.', '_' and '-', ` +
        'starting and ending with a letter or digit.',
    );
  }
}

export function checkObjectName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > MAX_OBJECT_NAME_BYTES) {
    throw invalid(`Object names must be 1-${MAX_OBJECT_NAME_BYTES} bytes of UTF-8; got ${bytes} bytes.`);
  }
  if (
    /[\r\n]/.test(name) ||
    name === '.' ||
    name === '..' ||
    name.startsWith('.well-known/acme-challenge/')
  ) {
    throw invalid(`Invalid object name: ${JSON.stringify(name)}`);
  }
}

/** The metadata of an upload (a multipart part, or the body that starts a resumable upload). */
export function parseUploadMetadata(input: unknown): UploadMetadata {
  const fields = asObject(input, 'the object metadata');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined || READ_ONLY_FIELDS.has(key)) continue;
    if (key === 'name' || key === 'md5Hash' || key === 'crc32c' || isStringField(key)) {
      out[key] = asString(value, key);
    } else if (key === 'metadata') {
      const custom = customMetadata(value, {});
      if (custom !== undefined) out.metadata = custom;
    } else if (key === 'storageClass' && value === 'STANDARD') {
      // The only class the stand-in has.
    } else {
      throw notImplemented(`The object field "${key}"`);
    }
  }
  return out as UploadMetadata;
}

/** The fields of a record after an objects.patch body: null removes, custom metadata merges. */
export function patchedFields(current: WritableFields, input: unknown): WritableFields {
  const patch = asObject(input, 'the patch body');
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (READ_ONLY_FIELDS.has(key) || key === 'name') continue;
    if (isStringField(key)) {
      if (value === null) delete out[key];
      else out[key] = asString(value, key);
    } else if (key === 'metadata') {
      const merged = value === null ? undefined : customMetadata(value, current.metadata ?? {});
      if (merged === undefined) delete out.metadata;
      else out.metadata = merged;
    } else if (!(key === 'storageClass' && value === 'STANDARD')) {
      throw notImplemented(`Patching the object field "${key}"`);
    }
  }
  return out as WritableFields;
}

/** Labels after a buckets.patch: null removes one label, or all of them. */
export function patchedLabels(
  current: Readonly<Record<string, string>> | undefined,
  value: unknown,
): Record<string, string> | undefined {
  if (value === null) return undefined;
  return customMetadata(value, current ?? {}, 'labels');
}

function customMetadata(
  value: unknown,
  base: Readonly<Record<string, string>>,
  what = 'metadata',
): Record<string, string> | undefined {
  const entries = asObject(value, what);
  const out: Record<string, string> = { ...base };
  for (const [key, v] of Object.entries(entries)) {
    if (v === null) delete out[key];
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else throw invalid(`Invalid value for ${what}.${key}: expected a string.`);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function isStringField(key: string): key is (typeof STRING_FIELDS)[number] {
  return (STRING_FIELDS as readonly string[]).includes(key);
}

function asString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`Invalid value for ${field}: expected a string.`);
  return value;
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GcsError('invalid', `Expected a JSON object for ${what}.`);
  }
  return value as Record<string, unknown>;
}
