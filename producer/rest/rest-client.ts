/**
 * Binance public market-data REST client for trade backfill: historicalTrades and aggTrades, spot
 * (/api/v3) and USDⓈ-M futures (/fapi/v1).
 *
 * Rate limits are shared by every tool on the IP, so the client keeps under its own weight budget
 * (weight-budget.ts), stops all requests while a 429/418 says so, and retries only what a retry can fix.
 * Responses are validated in full: a bad record fails the call instead of leaving a silent hole.
 *
 * This folder (producer/rest/) may import core/, pino and node built-ins; nothing from the clouds.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import pino from 'pino';
import { normalizeSymbol } from '../../core/parse/fields.js';
import type { Trade } from '../../core/trade.js';
import {
  checkInteger,
  checkLimit,
  checkWindow,
  ENDPOINTS,
  type Endpoint,
  type EndpointName,
  type Market,
} from './endpoints.js';
import { RestError } from './errors.js';
import { type AggTrade, aggBody, historicalBody, parseJson, rejection } from './responses.js';
import { backoffDelay, rateLimitPauseMs } from './retry-policy.js';
import { usedWeightHeader, WeightBudget } from './weight-budget.js';

export { MAX_AGG_WINDOW_MS, maxLimit } from './endpoints.js';
export type { AggTrade } from './responses.js';

export interface RestClientOptions {
  /** e.g. https://api.binance.com (spot), https://data-api.binance.vision (spot, no historicalTrades), https://fapi.binance.com (usdm). */
  baseUrl: string;
  market: Market;
  /** Our own ceiling per UTC minute, below Binance's per-IP limit (6000 spot, 2400 usdm) since other tools share it. */
  weightBudgetPerMinute: number;
  /** Sent as X-MBX-APIKEY when given; futures historicalTrades needs one. */
  apiKey?: string;
  logger?: pino.Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Retries after network errors, timeouts and 5xx (default 3). */
  maxRetries?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** First retry's backoff ceiling, doubled per retry (default 500 ms) up to backoffCapMs (default 30 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How many 429/418 pauses one call sits through before giving up with RATE_LIMITED (default 5). */
  maxRateLimitPauses?: number;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
  onRequest?: (info: { path: string; status: number; weight: number; durationMs: number }) => void;
  onRateLimited?: (info: { status: 429 | 418; retryAfterMs: number }) => void;
}

export interface AggTradesQuery {
  fromId?: number;
  startTime?: number;
  endTime?: number;
  limit: number;
}

interface Exchange {
  status: number; // 0 when no response arrived
  headers?: Headers;
  text?: string;
  error?: unknown;
}

export class BinanceRestClient {
  private readonly baseUrl: string;
  private readonly endpoints: Record<EndpointName, Endpoint>;
  private readonly budget: WeightBudget;
  private readonly log: pino.Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly headers: Record<string, string>;
  private readonly closer = new AbortController();
  private readonly sleepers = new Set<(err: RestError) => void>();
  private pausedUntil = 0;
  private pauseStatus: 429 | 418 | undefined;

  constructor(private readonly options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.endpoints = ENDPOINTS[options.market];
    this.budget = new WeightBudget(options.weightBudgetPerMinute);
    this.log = options.logger ?? pino({ enabled: false });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms, undefined, { signal: this.closer.signal }));
    this.headers = options.apiKey === undefined ? {} : { 'X-MBX-APIKEY': options.apiKey };
  }

  /** Raw trades from `fromId` on, in id order; Binance may return fewer at the end of its history. */
  async historicalTrades(symbol: string, fromId: number, limit: number): Promise<Trade[]> {
    const endpoint = this.endpoints.historicalTrades;
    const sym = this.symbolArg(symbol);
    checkInteger(fromId, 'fromId');
    checkLimit(limit, endpoint);
    const body = await this.request(endpoint, { symbol: sym, fromId, limit });
    return historicalBody(endpoint.path, body, sym);
  }

  /** aggTrades by `fromId` or by a time window under an hour; records a 2022 audit voided are dropped. */
  async aggTrades(symbol: string, q: AggTradesQuery): Promise<AggTrade[]> {
    const endpoint = this.endpoints.aggTrades;
    const sym = this.symbolArg(symbol);
    checkLimit(q.limit, endpoint);
    const params: Record<string, number | string> = { symbol: sym };
    for (const key of ['fromId', 'startTime', 'endTime'] as const) {
      const value = q[key];
      if (value !== undefined) params[key] = checkInteger(value, key);
    }
    checkWindow(q.startTime, q.endTime);
    params.limit = q.limit;
    const body = await this.request(endpoint, params);
    return aggBody(endpoint.path, body, sym);
  }

  /** Stops the client: waiting and running requests reject with CLOSED, later calls too. */
  close(): void {
    if (this.closer.signal.aborted) return;
    this.closer.abort();
    const err = closedError();
    for (const reject of this.sleepers) reject(err);
    this.sleepers.clear();
  }

  private symbolArg(symbol: string): string {
    try {
      return normalizeSymbol(symbol);
    } catch (err) {
      throw new RestError('BAD_ARGUMENT', `not a symbol: ${JSON.stringify(symbol)}`, { cause: err });
    }
  }

  private async request(endpoint: Endpoint, params: Record<string, number | string>): Promise<unknown> {
    const query = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const url = `${this.baseUrl}${endpoint.path}?${query}`;
    let failures = 0;
    let pauses = 0;
    for (;;) {
      await this.admit(endpoint.weight);
      const ex = await this.exchange(endpoint, url);
      if (ex.status >= 200 && ex.status < 300) return parseJson(endpoint.path, ex.text ?? '');
      if (ex.status === 429 || ex.status === 418) {
        pauses++;
        if (pauses > (this.options.maxRateLimitPauses ?? 5)) {
          const message = `${endpoint.path}: still rate limited after ${pauses - 1} pauses`;
          throw new RestError('RATE_LIMITED', message, { status: ex.status });
        }
        this.pause(ex.status, ex.headers?.get('retry-after') ?? null);
        continue;
      }
      if (ex.status >= 400 && ex.status < 500) throw rejection(endpoint.path, ex.status, ex.text ?? '');
      failures++;
      await this.backOff(endpoint.path, ex, failures);
    }
  }

  /** Waits while the client is paused or the budget is spent, then reserves the request's weight. */
  private async admit(weight: number): Promise<void> {
    for (;;) {
      if (this.closer.signal.aborted) throw closedError();
      const now = this.now();
      if (this.pausedUntil > now) {
        await this.wait(this.pausedUntil - now);
        continue;
      }
      const waitMs = this.budget.reserve(weight, now);
      if (waitMs === 0) return;
      this.log.debug(
        { weight, used: this.budget.committed(now), waitMs },
        'REST weight budget spent, waiting',
      );
      await this.wait(waitMs);
    }
  }

  private async exchange(endpoint: Endpoint, url: string): Promise<Exchange> {
    const started = this.now();
    let ex: Exchange;
    try {
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
      const signal = AbortSignal.any([this.closer.signal, timeout]);
      const res = await fetch(url, { headers: this.headers, signal });
      ex = { status: res.status, headers: res.headers };
      ex.text = await res.text();
    } catch (error) {
      // A body that broke off is as good as no response: the status alone proves nothing.
      ex = { status: 0, error };
    }
    const end = this.now();
    const used = ex.headers === undefined ? undefined : usedWeightHeader(ex.headers);
    this.budget.settle(endpoint.weight, started, end, used);
    this.report(() =>
      this.options.onRequest?.({
        path: endpoint.path,
        status: ex.status,
        weight: endpoint.weight,
        durationMs: end - started,
      }),
    );
    if (this.closer.signal.aborted) throw closedError(ex.error);
    return ex;
  }

  private async backOff(path: string, ex: Exchange, failures: number): Promise<void> {
    const what = ex.status === 0 ? `network error: ${describeError(ex.error)}` : `HTTP ${ex.status}`;
    const max = this.options.maxRetries ?? 3;
    if (failures > max) {
      throw new RestError('UNAVAILABLE', `${path}: ${what}, ${failures} attempts`, {
        status: ex.status === 0 ? undefined : ex.status,
        cause: ex.error,
      });
    }
    const { backoffBaseMs = 500, backoffCapMs = 30_000, random = Math.random } = this.options;
    const delayMs = backoffDelay(failures, backoffBaseMs, backoffCapMs, random);
    this.log.warn(
      { path, status: ex.status, attempt: failures, delayMs, err: what },
      'REST request failed, retrying',
    );
    await this.wait(delayMs);
  }

  /** Pauses every request. Concurrent answers to one overload are one event: logged and reported once. */
  private pause(status: 429 | 418, retryAfter: string | null): void {
    const now = this.now();
    const retryAfterMs = rateLimitPauseMs(status, retryAfter, now);
    const newEvent = now >= this.pausedUntil || (status === 418 && this.pauseStatus === 429);
    this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (!newEvent) return;
    this.pauseStatus = status;
    const fields = { status, retryAfterMs, until: new Date(this.pausedUntil).toISOString() };
    if (status === 418) this.log.error(fields, 'Binance banned this IP (418); all REST requests paused');
    else this.log.warn(fields, 'Binance rate limit hit (429); all REST requests paused');
    this.report(() => this.options.onRateLimited?.({ status, retryAfterMs }));
  }

  /** The injected sleep, cut short by close(). */
  private wait(ms: number): Promise<void> {
    if (this.closer.signal.aborted) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      const stop = (err: RestError) => reject(err);
      this.sleepers.add(stop);
      this.sleep(ms).then(
        () => (this.sleepers.delete(stop) ? resolve() : undefined),
        (err) => (this.sleepers.delete(stop) ? reject(closedError(err)) : undefined),
      );
    });
  }

  /** Runs a caller's hook; a failing metrics hook must not fail the request. */
  private report(hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.log.error({ err }, 'REST client hook threw');
    }
  }
}

function closedError(cause?: unknown): RestError {
  return new RestError('CLOSED', 'REST client closed', { cause });
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.name}: ${err.message}${cause}`;
}
