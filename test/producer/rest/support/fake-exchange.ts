/**
 * An in-memory Binance trade history for the backfiller tests: historicalTrades and aggTrades over a
 * list of synthetic trades, with ids that can be made missing and failures that can be queued.
 * It answers like the REST client does (parsed records), and prints Binance JSON for the HTTP tests.
 */
import { formatUnits, toBigInt, unitsOf } from '../../../../core/decimal.js';
import type { IdRange } from '../../../../core/ranges.js';
import { syntheticTrades } from '../../../../core/synthetic.js';
import type { Trade } from '../../../../core/trade.js';
import type { AggTrade, AggTradesQuery } from '../../../../producer/rest/rest-client.js';

export interface FakeExchangeOptions {
  symbol?: string;
  startId?: number;
  count: number;
  /** Ids Binance no longer has. */
  missing?: readonly IdRange[];
  seed?: number;
}

export class FakeExchange {
  readonly trades: Trade[];
  readonly aggs: AggTrade[];
  /** The queries received, in order. */
  readonly calls: { kind: 'historicalTrades' | 'aggTrades'; query: Record<string, number> }[] = [];
  /** One entry per coming call: an error to throw, or undefined to answer. */
  readonly failures: (Error | undefined)[] = [];
  /** When set, every call waits for it before answering. */
  gate: Promise<void> | undefined;

  constructor(options: FakeExchangeOptions) {
    const all = [
      ...syntheticTrades(options.count, {
        symbol: options.symbol ?? 'BTCUSDT',
        startId: options.startId ?? 1_000_000,
        seed: options.seed ?? 7,
      }),
    ];
    const missing = options.missing ?? [];
    this.trades = all.filter((t) => !missing.some(([a, b]) => t.id >= a && t.id <= b));
    this.aggs = aggregate(this.trades);
  }

  trade(id: number): Trade {
    const t = this.trades.find((x) => x.id === id);
    if (t === undefined) throw new Error(`no trade ${id}`);
    return t;
  }

  async historicalTrades(_symbol: string, fromId: number, limit: number): Promise<Trade[]> {
    this.calls.push({ kind: 'historicalTrades', query: { fromId, limit } });
    await this.answer();
    return this.trades.filter((t) => t.id >= fromId).slice(0, limit);
  }

  async aggTrades(_symbol: string, q: AggTradesQuery): Promise<AggTrade[]> {
    this.calls.push({ kind: 'aggTrades', query: { ...q } });
    await this.answer();
    if (q.fromId !== undefined) return this.aggs.filter((a) => a.aggId >= q.fromId!).slice(0, q.limit);
    const { startTime = 0, endTime = Number.MAX_SAFE_INTEGER } = q;
    if (endTime - startTime >= 3_600_000) throw new Error('window of an hour or more');
    return this.aggs.filter((a) => a.time >= startTime && a.time <= endTime).slice(0, q.limit);
  }

  private async answer(): Promise<void> {
    await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }
}

/** Consecutive fills at one time, price and side become one aggTrade, as Binance groups a taker order. */
export function aggregate(trades: readonly Trade[]): AggTrade[] {
  const out: AggTrade[] = [];
  let qty = 0n;
  for (const t of trades) {
    const prev = out[out.length - 1];
    const lastId = prev?.lastId ?? prev?.id;
    if (
      prev &&
      lastId === t.id - 1 &&
      prev.time === t.time &&
      prev.price === t.price &&
      prev.buyerIsMaker === t.buyerIsMaker
    ) {
      qty += toBigInt(unitsOf(t.qty));
      out[out.length - 1] = { ...prev, lastId: t.id, qty: formatUnits(qty) };
      continue;
    }
    qty = toBigInt(unitsOf(t.qty));
    out.push({ ...t, qty: formatUnits(qty), aggId: 900_000 + out.length });
  }
  return out;
}

/** A trade as `GET /api/v3/historicalTrades` prints it. */
export function historicalJson(t: Trade): Record<string, unknown> {
  return {
    id: t.id,
    price: t.price,
    qty: t.qty,
    quoteQty: '1.00000000',
    time: t.time,
    isBuyerMaker: t.buyerIsMaker,
    isBestMatch: true,
  };
}

/** An aggTrade as `GET /api/v3/aggTrades` prints it. */
export function aggJson(a: AggTrade): Record<string, unknown> {
  return {
    a: a.aggId,
    p: a.price,
    q: a.qty,
    f: a.id,
    l: a.lastId ?? a.id,
    T: a.time,
    m: a.buyerIsMaker,
    M: true,
  };
}
