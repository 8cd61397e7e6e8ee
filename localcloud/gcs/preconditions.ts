/**
 * The JSON API's preconditions: ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch and
 * ifMetagenerationNotMatch as query parameters (and their ifSource… forms for the source of a
 * copy). Writes that fail one get 412 conditionNotMet; reads get 412 for a failed Match and 304 Not
 * Modified for a failed NotMatch, as the service answers conditional GETs.
 */
import { GcsError, invalid, preconditionFailed } from './errors.js';

export interface Preconditions {
  readonly ifGenerationMatch?: number;
  readonly ifGenerationNotMatch?: number;
  readonly ifMetagenerationMatch?: number;
  readonly ifMetagenerationNotMatch?: number;
}

/** The generations a precondition is checked against; undefined when the object does not exist. */
export interface Versioned {
  readonly generation: number;
  readonly metageneration: number;
}

const KEYS = [
  'ifGenerationMatch',
  'ifGenerationNotMatch',
  'ifMetagenerationMatch',
  'ifMetagenerationNotMatch',
] as const;

/** Reads the preconditions of a request; `source` reads the ifSource… parameters of a copy. */
export function preconditionsFrom(query: URLSearchParams, source = false): Preconditions {
  const out: Record<string, number> = {};
  for (const key of KEYS) {
    const name = source ? `ifSource${key.slice(2)}` : key;
    const text = query.get(name);
    if (text === null) continue;
    if (!/^-?\d{1,19}$/.test(text)) throw invalid(`Invalid value for ${name}: ${JSON.stringify(text)}`);
    out[key] = Number(text);
  }
  return out;
}

/** For uploads, patches, deletes and copies: every failed precondition is a 412. */
export function checkWrite(conditions: Preconditions, current: Versioned | undefined): void {
  if (!holds(conditions, current)) throw preconditionFailed();
}

/** For reads of an existing object: a failed Match is a 412, a failed NotMatch a 304. */
export function checkRead(conditions: Preconditions, current: Versioned): void {
  const { ifGenerationMatch, ifMetagenerationMatch } = conditions;
  if (!holds({ ifGenerationMatch, ifMetagenerationMatch }, current)) throw preconditionFailed();
  if (!holds(conditions, current)) throw new GcsError('notModified', 'Not Modified');
}

function holds(c: Preconditions, current: Versioned | undefined): boolean {
  if (c.ifGenerationMatch !== undefined) {
    const generation = current?.generation ?? 0;
    if (generation !== c.ifGenerationMatch) return false;
  }
  // The NotMatch and metageneration conditions all need a live object to compare with.
  if (current === undefined) {
    return (
      c.ifGenerationNotMatch === undefined &&
      c.ifMetagenerationMatch === undefined &&
      c.ifMetagenerationNotMatch === undefined
    );
  }
  if (c.ifGenerationNotMatch !== undefined && current.generation === c.ifGenerationNotMatch) return false;
  if (c.ifMetagenerationMatch !== undefined && current.metageneration !== c.ifMetagenerationMatch)
    return false;
  if (c.ifMetagenerationNotMatch !== undefined && current.metageneration === c.ifMetagenerationNotMatch)
    return false;
  return true;
}
