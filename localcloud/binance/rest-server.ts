/**
 * The REST shell: request weight per minute window with `X-MBX-USED-WEIGHT-1M` on every answer,
 * 429 with `Retry-After` once the window's weight is spent, injected failures, and a log of every
 * request so tests can check how a client paced itself.
 */
import type http from 'node:http';
import { RestError } from './errors.js';
import type { Market } from './market.js';
import { type Route, routes } from './rest-routes.js';

export interface RestRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** When the request arrived, from the stand-in's clock. */
  readonly time: number;
}

export interface RestFailure {
  readonly status: 429 | 418 | 500;
  /** Sent in `Retry-After` with 429 and 418; defaults to the seconds left in the minute window. */
  readonly retryAfterSeconds?: number;
}

export interface RestSettings {
  readonly weightLimitPerMinute: number;
  readonly now: () => number;
}

const MINUTE_MS = 60_000;

export class RestServer {
  readonly requests: RestRequestRecord[] = [];
  private readonly routes: ReadonlyMap<string, Route>;
  private failures: { remaining: number; failure: RestFailure } = { remaining: 0, failure: { status: 500 } };
  private windowStart = 0;
  private used = 0;

  constructor(
    market: Market,
    private readonly settings: RestSettings,
  ) {
    this.routes = routes(market, settings.now);
  }

  /** The next `count` requests get `failure` instead of their answer (and spend no weight). */
  failNext(count: number, failure: RestFailure): void {
    this.failures = { remaining: count, failure };
  }

  /** Weight spent in the current minute window. */
  usedWeight(): number {
    this.rollWindow();
    return this.used;
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const time = this.settings.now();
    const { status, body, retryAfter } = this.answer(req.method ?? 'GET', url);
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status,
      time,
    });
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json;charset=UTF-8',
      'X-MBX-USED-WEIGHT-1M': String(this.usedWeight()),
    };
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    res.writeHead(status, headers).end(body);
  }

  private answer(method: string, url: URL): { status: number; body: string; retryAfter?: number } {
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      return this.injected(this.failures.failure);
    }
    const route = method === 'GET' ? this.routes.get(url.pathname) : undefined;
    if (route === undefined) {
      return {
        status: 404,
        body: JSON.stringify({ code: -1000, msg: `No ${method} ${url.pathname} here.` }),
      };
    }
    this.rollWindow();
    this.used += route.weight;
    if (this.used > this.settings.weightLimitPerMinute) {
      const msg = `Too much request weight used; current limit is ${this.settings.weightLimitPerMinute} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
      return { status: 429, body: JSON.stringify({ code: -1003, msg }), retryAfter: this.secondsLeft() };
    }
    try {
      return { status: 200, body: JSON.stringify(route.answer(url.searchParams)) };
    } catch (err) {
      if (err instanceof RestError) return { status: err.status, body: err.body() };
      // A bug in the stand-in: the client sees it as Binance's unknown error, with the reason.
      return { status: 500, body: JSON.stringify({ code: -1000, msg: String(err) }) };
    }
  }

  private injected(failure: RestFailure): { status: number; body: string; retryAfter?: number } {
    if (failure.status === 500) {
      const msg = 'An unknown error occurred while processing the request.';
      return { status: 500, body: JSON.stringify({ code: -1000, msg }) };
    }
    const retryAfter = failure.retryAfterSeconds ?? this.secondsLeft();
    const msg =
      failure.status === 418
        ? `Way too much request weight used; IP banned until ${this.settings.now() + retryAfter * 1000}. Please use WebSocket Streams for live updates to avoid bans.`
        : 'Too much request weight used; please use WebSocket Streams for live updates to avoid polling the API.';
    return { status: failure.status, body: JSON.stringify({ code: -1003, msg }), retryAfter };
  }

  /** Binance's weight windows are calendar minutes: the count restarts at each full minute. */
  private rollWindow(): void {
    const start = Math.floor(this.settings.now() / MINUTE_MS) * MINUTE_MS;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }

  private secondsLeft(): number {
    this.rollWindow();
    return Math.ceil((this.windowStart + MINUTE_MS - this.settings.now()) / 1000);
  }
}
