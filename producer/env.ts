/**
 * Typed readers for environment variables. Each fails with a ConfigError naming the variable and
 * what was expected; an empty value counts as unset, as in .env files.
 */
import { ConfigError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function text(env: Env, name: string, fallback?: string): string {
  const raw = env[name]?.trim();
  if (raw !== undefined && raw !== '') return raw;
  if (fallback === undefined) throw new ConfigError(name, 'is required but not set');
  return fallback;
}

export function optionalText(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = text(env, name, fallback);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function list(env: Env, name: string, fallback?: string): string[] {
  const items = text(env, name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new ConfigError(name, 'must list at least one value');
  return items;
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = optionalText(env, name);
  if (raw === undefined) return fallback;
  const value = /^-?[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  return inRange(name, raw, value, min, max);
}

export function decimalNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalText(env, name);
  if (raw === undefined) return fallback;
  const value = /^[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : Number.NaN;
  return inRange(name, raw, value, min, max);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds: `250`, `250ms`, `5s`, `10m`, `23h`. */
export function duration(env: Env, name: string, fallbackMs: number, minMs: number, maxMs: number): number {
  const raw = optionalText(env, name);
  if (raw === undefined) return fallbackMs;
  const m = /^([0-9]+)(ms|s|m|h)?$/.exec(raw);
  const value = m === null ? Number.NaN : Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] as number);
  return inRange(name, raw, value, minMs, maxMs, 'a duration like 200ms, 5s, 10m or 23h');
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes: `1048576`, `512KiB`, `64MiB`, `2GiB`. */
export function bytes(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalText(env, name);
  if (raw === undefined) return fallback;
  const m = /^([0-9]+)\s*([KMG]iB)?$/i.exec(raw);
  const value = m === null ? Number.NaN : Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] as number);
  return inRange(name, raw, value, min, max, 'a size like 1048576, 512KiB, 64MiB or 2GiB');
}

export function url(
  env: Env,
  name: string,
  fallback: string | undefined,
  protocols: readonly string[],
): string {
  const raw = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function inRange(
  name: string,
  raw: string,
  value: number,
  min: number,
  max: number,
  what = 'an integer',
): number {
  if (!Number.isFinite(value)) throw new ConfigError(name, `must be ${what}, got "${raw}"`);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got "${raw}"`);
  return value;
}
