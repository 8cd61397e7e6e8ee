/**
 * Reading the members of a JSON request. Each reader names the parameter in its error, so a client
 * sending the wrong shape learns which member is wrong and why.
 */
import { invalidParameter, missingParameter } from './errors.js';

export type Input = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Input {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  if (typeof value !== 'string') throw invalidParameter(name, value, 'must be a string.');
  return value;
}

export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(name, value, 'must be a string.');
  return value;
}

/** An integer member within [min, max], or undefined when absent. */
export function optionalInteger(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidParameter(name, value, 'must be an integer.');
  }
  if (value < min || value > max) {
    throw invalidParameter(name, value, `Must be between ${min} and ${max}, if provided.`);
  }
  return value;
}

export function requiredInteger(input: Input, name: string, min: number, max: number): number {
  const value = optionalInteger(input, name, min, max);
  if (value === undefined) throw missingParameter(name);
  return value;
}

export function optionalStringList(input: Input, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidParameter(name, value, 'must be a list of strings.');
  }
  return value as string[];
}

/**
 * A map of strings, such as queue attributes. Numbers and booleans are taken as their text, since
 * hand-written clients often send `{"VisibilityTimeout": 5}`.
 */
export function optionalStringMap(input: Input, name: string): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidParameter(name, value, 'must be a map of strings.');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else throw invalidParameter(`${name}.${key}`, v, 'must be a string.');
  }
  return out;
}

/** A list of objects, such as batch entries; undefined when absent. */
export function optionalObjectList(input: Input, name: string): Input[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isObject)) {
    throw invalidParameter(name, value, 'must be a list of objects.');
  }
  return value as Input[];
}
