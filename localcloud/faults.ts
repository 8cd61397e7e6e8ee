/**
 * The fault layer shared by every stand-in: added latency, a failure rate answered with the
 * service's own throttling or server errors, duplicated deliveries for the queues, and a switch
 * that takes a service down. It also counts the requests each service serves, by operation.
 *
 * One controller serves a whole local cloud; tests hold it directly, the launcher exposes it on
 * its control endpoint. Settings change at run time and take effect on the next request.
 */
import { EventEmitter } from 'node:events';

export const SERVICES = ['sqs', 'dynamodb', 's3', 'pubsub', 'firestore', 'storage'] as const;
export type ServiceName = (typeof SERVICES)[number];

export type FailureKind = 'throttle' | 'server';

export interface FaultSettings {
  /** Milliseconds added before each request is served. */
  readonly latencyMs: number;
  /** Share of requests (0..1) answered with an error instead of being served. */
  readonly failureRate: number;
  /** Which error a failing request gets: the service's throttling error, its 5xx, or either. */
  readonly failureKind: FailureKind | 'mixed';
  /** Share of deliveries (0..1) a queue hands out once more later, as at-least-once services may. */
  readonly duplicateRate: number;
  /** When true the service refuses connections until brought back. */
  readonly down: boolean;
}

export const NO_FAULTS: FaultSettings = Object.freeze({
  latencyMs: 0,
  failureRate: 0,
  failureKind: 'mixed',
  duplicateRate: 0,
  down: false,
});

/** What to do with one request. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly failure: FailureKind | undefined;
}

export class FaultError extends Error {}

export class FaultController extends EventEmitter<{ change: [ServiceName, FaultSettings] }> {
  private readonly settings = new Map<ServiceName, FaultSettings>();
  private readonly counters = new Map<ServiceName, Map<string, number>>();
  private readonly random: () => number;

  constructor(options: { random?: () => number } = {}) {
    super();
    this.random = options.random ?? Math.random;
  }

  get(service: ServiceName): FaultSettings {
    return this.settings.get(service) ?? NO_FAULTS;
  }

  /** Changes some settings of a service; throws FaultError naming a bad value. */
  set(service: ServiceName, patch: Partial<FaultSettings>): FaultSettings {
    checkService(service);
    const next = { ...this.get(service), ...patch };
    validate(next);
    const frozen = Object.freeze(next);
    this.settings.set(service, frozen);
    this.emit('change', service, frozen);
    return frozen;
  }

  /** Back to no faults, for one service or all. */
  reset(service?: ServiceName): void {
    for (const s of service === undefined ? SERVICES : [service]) {
      if (this.settings.has(s)) this.set(s, NO_FAULTS);
    }
  }

  /** Counts one request a service serves. */
  record(service: ServiceName, operation: string): void {
    let ops = this.counters.get(service);
    if (ops === undefined) {
      ops = new Map();
      this.counters.set(service, ops);
    }
    ops.set(operation, (ops.get(operation) ?? 0) + 1);
  }

  /** Requests served so far, by service and operation. */
  counts(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [service, ops] of this.counters) out[service] = Object.fromEntries(ops);
    return out;
  }

  /** Requests of one service, all operations added (or one operation). */
  total(service: ServiceName, operation?: string): number {
    const ops = this.counters.get(service);
    if (ops === undefined) return 0;
    if (operation !== undefined) return ops.get(operation) ?? 0;
    let n = 0;
    for (const v of ops.values()) n += v;
    return n;
  }

  resetCounts(): void {
    this.counters.clear();
  }

  decide(service: ServiceName): FaultDecision {
    const s = this.get(service);
    if (s.failureRate === 0 || this.random() >= s.failureRate)
      return { delayMs: s.latencyMs, failure: undefined };
    const kind = s.failureKind === 'mixed' ? (this.random() < 0.5 ? 'throttle' : 'server') : s.failureKind;
    return { delayMs: s.latencyMs, failure: kind };
  }

  /** Whether a delivery should be handed out once more. */
  duplicate(service: ServiceName): boolean {
    const rate = this.get(service).duplicateRate;
    return rate > 0 && this.random() < rate;
  }
}

function checkService(service: string): asserts service is ServiceName {
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new FaultError(`unknown service ${JSON.stringify(service)}; services are ${SERVICES.join(', ')}`);
  }
}

function validate(s: FaultSettings): void {
  const rate = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new FaultError(`${name} must be a number from 0 to 1, got ${JSON.stringify(v)}`);
  };
  if (typeof s.latencyMs !== 'number' || !(s.latencyMs >= 0 && s.latencyMs <= 600_000)) {
    throw new FaultError(`latencyMs must be from 0 to 600000, got ${JSON.stringify(s.latencyMs)}`);
  }
  rate('failureRate', s.failureRate);
  rate('duplicateRate', s.duplicateRate);
  if (!['throttle', 'server', 'mixed'].includes(s.failureKind)) {
    throw new FaultError(
      `failureKind must be throttle, server or mixed, got ${JSON.stringify(s.failureKind)}`,
    );
  }
  if (typeof s.down !== 'boolean')
    throw new FaultError(`down must be true or false, got ${JSON.stringify(s.down)}`);
}

export function isServiceName(text: string): text is ServiceName {
  return (SERVICES as readonly string[]).includes(text);
}
