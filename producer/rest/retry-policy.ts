/** How long the REST client waits: after a rate-limit answer, and between retries of a failed request. */

/** Used when a 429 carries no usable Retry-After: a full weight window, so the next try lands in a fresh one. */
export const DEFAULT_429_PAUSE_MS = 60_000;
/** Used when a 418 carries none: bans start at two minutes and only grow, so never come back sooner. */
export const DEFAULT_418_PAUSE_MS = 120_000;

/**
 * Reads a Retry-After value: Binance sends whole seconds; the HTTP-date form is accepted too because
 * proxies in front of a host may rewrite it. Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The pause a rate-limit answer asks for, with the conservative default when it does not say. */
export function rateLimitPauseMs(status: 429 | 418, retryAfter: string | null, now: number): number {
  return retryAfterMs(retryAfter, now) ?? (status === 418 ? DEFAULT_418_PAUSE_MS : DEFAULT_429_PAUSE_MS);
}

/**
 * Capped exponential backoff with full jitter for the `attempt`-th retry (1-based): uniformly random in
 * [0, min(cap, base * 2^(attempt-1))), so clients that failed together do not come back together.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
