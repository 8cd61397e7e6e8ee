/**
 * A Binance spot market-data stand-in on loopback for tests of the producer: one HTTP server that
 * serves the WebSocket market streams (`/ws/…`, `/stream?streams=…`, `@trade` only) and the REST
 * endpoints the producer uses, over a trade history kept in memory, with controls to inject the
 * failures the producer must survive.
 *
 * Files: binance.ts (this entry: options, controls), market.ts (trade history and generation),
 * agg-trades.ts (aggregate trades), ws-server.ts / ws-connection.ts / ws-control.ts (streams),
 * rest-server.ts / rest-routes.ts (REST), errors.ts. It imports core/ and `ws`, nothing else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Trade } from '../../core/trade.js';
import { BinanceStandInError } from './errors.js';
import { type Fill, Market } from './market.js';
import { type RestFailure, type RestRequestRecord, RestServer } from './rest-server.js';
import type { ConnectionInfo, DropMode } from './ws-connection.js';
import { StreamServer } from './ws-server.js';

export type { AggTrade } from './agg-trades.js';
export type { Fill } from './market.js';
export type { RestFailure, RestRequestRecord } from './rest-server.js';
export type { CloseReason, ConnectionInfo, ConnectionState, DropMode } from './ws-connection.js';

export interface BinanceOptions {
  /** Upper-case symbols, e.g. ['BTCUSDT', 'ETHUSDT']. */
  readonly symbols: readonly string[];
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** First trade id per symbol; 1,000,000 when absent. */
  readonly startIds?: Readonly<Record<string, number>>;
  /** Seed of the synthetic prices, sizes and sides. */
  readonly seed?: number;
  /** Trades per second per symbol generated on a timer; 0 (the default): only `generate` adds trades. */
  readonly tradesPerSecond?: number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** Incoming messages (text, pings, pongs) per second above which a connection is dropped. */
  readonly maxMessagesPerSecond?: number;
  readonly maxStreamsPerConnection?: number;
  readonly maxConnectionLifetimeMs?: number;
  readonly shutdownGraceMs?: number;
  readonly restWeightLimitPerMinute?: number;
  /** The wall clock (trade times, event times, weight windows); Date.now by default. */
  readonly now?: () => number;
}

export interface RunningBinance {
  /** `ws://host:port`; append `/ws/btcusdt@trade` or `/stream?streams=…`. */
  readonly wsUrl: string;
  /** `http://host:port`; append `/api/v3/…`. */
  readonly restUrl: string;
  readonly port: number;
  /** Creates `count` synthetic trades at the current time and broadcasts them. */
  generate(symbol: string, count: number): Trade[];
  /** Appends explicit trades (next ids; time defaults to now, never earlier than the last) and broadcasts them. */
  publish(symbol: string, fills: readonly Fill[]): Trade[];
  /** A copy of every trade of the symbol so far, in id order: the truth. */
  history(symbol: string): readonly Trade[];
  /** The newest trade id; one below the start id before the first trade. */
  lastId(symbol: string): number;
  /** The next `count` trades of the symbol stay in the history and REST but are sent on no WebSocket. */
  skipOnWebSocket(symbol: string, count: number): void;
  /**
   * Fails live connections (all, or those with the given ids) and returns their ids: 'close' sends
   * close code 1001; 'terminate' destroys the TCP connection without a close frame; 'silent' keeps
   * it open but sends nothing more (no trades, pings or answers); 'midFrame' writes half a frame
   * and then destroys the socket.
   */
  dropConnections(mode: DropMode, ids?: readonly number[]): number[];
  /** Sends the serverShutdown event now and closes those connections shutdownGraceMs later. */
  serverShutdown(ids?: readonly number[]): number[];
  /** The next `count` REST requests get `failure` (429/418 with Retry-After) instead of an answer. */
  failRest(count: number, failure: RestFailure): void;
  /** Every connection so far, closed ones included, in the order they opened (ids 1, 2, …). */
  connections(): ConnectionInfo[];
  /** Upgrade requests received, refused ones included. */
  readonly connectionAttempts: number;
  /** Every REST request so far, in arrival order. */
  readonly restRequests: readonly RestRequestRecord[];
  /** Weight spent in the current minute, as the X-MBX-USED-WEIGHT-1M header reports it. */
  usedWeight(): number;
  /** Terminates every connection and closes the server. */
  stop(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  tradesPerSecond: 0,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 60_000,
  maxMessagesPerSecond: 5,
  maxStreamsPerConnection: 1024,
  maxConnectionLifetimeMs: 24 * 60 * 60 * 1000,
  shutdownGraceMs: 1000,
  restWeightLimitPerMinute: 6000,
};

export async function startBinance(options: BinanceOptions): Promise<RunningBinance> {
  const o = { ...DEFAULTS, now: Date.now, ...withoutUndefined(options) };
  checkOptions(o);
  const market = new Market(o.symbols, { startIds: o.startIds, seed: o.seed, now: o.now });
  const rest = new RestServer(market, { weightLimitPerMinute: o.restWeightLimitPerMinute, now: o.now });
  const streams = new StreamServer(market, o);
  market.onTrade((trade, frame) => streams.broadcast(trade, frame));
  const server = http.createServer((req, res) => rest.handle(req, res));
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head));
  await listen(server, o.port, o.host);
  const port = (server.address() as AddressInfo).port;
  const stopGenerating = o.tradesPerSecond > 0 ? market.startAutoGeneration(o.tradesPerSecond) : () => {};
  let stopped: Promise<void> | undefined;
  return {
    wsUrl: `ws://${o.host}:${port}`,
    restUrl: `http://${o.host}:${port}`,
    port,
    generate: (symbol, count) => market.generate(symbol, count),
    publish: (symbol, fills) => market.publish(symbol, fills),
    history: (symbol) => market.history(symbol),
    lastId: (symbol) => market.lastId(symbol),
    skipOnWebSocket: (symbol, count) => market.skipOnWebSocket(symbol, count),
    dropConnections: (mode, ids) => streams.drop(mode, ids),
    serverShutdown: (ids) => streams.serverShutdown(ids),
    failRest: (count, failure) => rest.failNext(count, failure),
    connections: () => streams.connections(),
    get connectionAttempts() {
      return streams.attempts;
    },
    restRequests: rest.requests,
    usedWeight: () => rest.usedWeight(),
    stop: () => {
      stopped ??= (async () => {
        stopGenerating();
        await streams.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}

function checkOptions(o: typeof DEFAULTS & BinanceOptions): void {
  for (const symbol of o.symbols) {
    if (!/^[A-Z0-9]+$/.test(symbol)) throw badOption(`symbol ${JSON.stringify(symbol)} is not upper-case`);
  }
  for (const [symbol, id] of Object.entries(o.startIds ?? {})) {
    if (!o.symbols.includes(symbol)) throw badOption(`startIds names ${symbol}, which is not in symbols`);
    if (!Number.isSafeInteger(id) || id < 0) throw badOption(`startIds.${symbol} is not a trade id`);
  }
  const positive = [
    'pingIntervalMs',
    'pongTimeoutMs',
    'maxMessagesPerSecond',
    'maxStreamsPerConnection',
    'restWeightLimitPerMinute',
  ] as const;
  for (const name of positive) if (!(o[name] > 0)) throw badOption(`${name} must be positive`);
  const nonNegative = ['tradesPerSecond', 'maxConnectionLifetimeMs', 'shutdownGraceMs'] as const;
  for (const name of nonNegative) if (!(o[name] >= 0)) throw badOption(`${name} must not be negative`);
}

function badOption(message: string): BinanceStandInError {
  return new BinanceStandInError('BAD_OPTION', message);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
