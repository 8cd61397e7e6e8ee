/**
 * How a subscription redelivers, derived from its settings: retention, ordering, dead-lettering
 * and the backoff between deliveries of a message that failed.
 */
import type { SubscriptionSettings } from './settings.js';

/** Read on every use, so that an updated subscription applies at once. */
export interface DeliveryPolicy {
  readonly retentionMs: number;
  readonly ordered: boolean;
  readonly deadLetter: { readonly topic: string; readonly maxDeliveryAttempts: number } | undefined;
  readonly retry: { readonly minimumMs: number; readonly maximumMs: number } | undefined;
  /** Backoff when there is no retry policy: none for pull, a growing pause for push. */
  readonly defaultBackoff: (attempts: number) => number;
}

const PUSH_BACKOFF_MIN_MS = 100;
const PUSH_BACKOFF_MAX_MS = 60_000;

export function policyOf(settings: SubscriptionSettings): DeliveryPolicy {
  return {
    retentionMs: settings.retentionMs,
    ordered: settings.ordered,
    deadLetter: settings.deadLetter,
    retry: settings.retry,
    // Without a retry policy a pulled message comes back at once, but a failing push endpoint is
    // still backed off, as the service does, rather than called in a tight loop.
    defaultBackoff:
      settings.push === undefined
        ? () => 0
        : (attempts) => exponential(PUSH_BACKOFF_MIN_MS, PUSH_BACKOFF_MAX_MS, attempts),
  };
}

/** The minimum after the first failed delivery, doubling with each further failure up to the maximum. */
export function backoffMs(policy: DeliveryPolicy, attempts: number): number {
  const retry = policy.retry;
  if (retry === undefined) return policy.defaultBackoff(attempts);
  return exponential(retry.minimumMs, retry.maximumMs, attempts);
}

function exponential(minimumMs: number, maximumMs: number, attempts: number): number {
  return Math.min(maximumMs, minimumMs * 2 ** Math.max(0, attempts - 1));
}
