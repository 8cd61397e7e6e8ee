/** The Binance endpoints the client calls, with their weights and page limits, and argument checks. */
import { RestError } from './errors.js';

export type Market = 'spot' | 'usdm';
export type EndpointName = 'historicalTrades' | 'aggTrades';

export interface Endpoint {
  readonly path: string;
  readonly weight: number;
  readonly maxLimit: number;
}

/** Weights and limits as Binance documents them; futures charge more and page shorter for raw trades. */
export const ENDPOINTS: Record<Market, Record<EndpointName, Endpoint>> = {
  spot: {
    historicalTrades: { path: '/api/v3/historicalTrades', weight: 25, maxLimit: 1000 },
    aggTrades: { path: '/api/v3/aggTrades', weight: 4, maxLimit: 1000 },
  },
  usdm: {
    historicalTrades: { path: '/fapi/v1/historicalTrades', weight: 20, maxLimit: 500 },
    aggTrades: { path: '/fapi/v1/aggTrades', weight: 20, maxLimit: 1000 },
  },
};

/** Binance refuses aggTrades startTime..endTime windows of an hour or more. */
export const MAX_AGG_WINDOW_MS = 3_600_000 - 1;

/** The most a single call may ask for, per market and endpoint; callers page with it. */
export function maxLimit(market: Market, endpoint: EndpointName): number {
  return ENDPOINTS[market][endpoint].maxLimit;
}

export function checkInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RestError('BAD_ARGUMENT', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

export function checkLimit(limit: number, endpoint: Endpoint): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > endpoint.maxLimit) {
    throw new RestError(
      'BAD_ARGUMENT',
      `${endpoint.path}: limit must be 1..${endpoint.maxLimit}, got ${limit}`,
    );
  }
}

export function checkWindow(startTime: number | undefined, endTime: number | undefined): void {
  if (startTime !== undefined && endTime !== undefined && endTime - startTime > MAX_AGG_WINDOW_MS) {
    throw new RestError('BAD_ARGUMENT', 'aggTrades: startTime..endTime must be under an hour');
  }
}
