/** Arbitrary trades for the round-trip tests that print trades in a Binance format and parse them back. */
import fc from 'fast-check';
import type { BatchResult } from '../../core/parse/batch.js';
import type { Trade } from '../../core/trade.js';

/** Decimal text as Binance prints it: up to 12 integer and 8 fractional digits, not all of them 0. */
export const positiveDecimalText: fc.Arbitrary<string> = fc
  .stringMatching(/^[0-9]{1,12}(\.[0-9]{1,8})?$/)
  .filter((s) => /[1-9]/.test(s));

/**
 * The arbitraries of one trade's fields: `span` extra ids when the trade is an aggTrade of several
 * fills, and `micros` for formats that print microsecond times. Spread into `fc.record` to add
 * fields a format needs.
 */
export const tradeRowFields = {
  id: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1000 }),
  span: fc.integer({ min: 0, max: 1000 }),
  price: positiveDecimalText,
  qty: positiveDecimalText,
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  micros: fc.integer({ min: 0, max: 999 }),
  buyerIsMaker: fc.boolean(),
};

export interface TradeRow {
  readonly id: number;
  readonly span: number;
  readonly price: string;
  readonly qty: string;
  readonly time: number;
  readonly micros: number;
  readonly buyerIsMaker: boolean;
}

/**
 * The time as a row prints it: in microseconds when `micros` is set and the time is large enough
 * (Binance prints microsecond times only from 2025 on, so only times that stay above the
 * millisecond/microsecond threshold use them), in milliseconds otherwise.
 */
export function printedTime(r: TradeRow, micros: boolean): number {
  return micros && r.time >= 1e11 ? r.time * 1000 + r.micros : r.time;
}

/**
 * The ETHUSDT trade a printed row parses back to. With `withSpan` (aggTrade formats) a row whose
 * span covers several ids carries `lastId`; a single fill, and every plain trade, has none.
 */
function expectedTrade(r: TradeRow, withSpan: boolean): Trade {
  const trade = {
    symbol: 'ETHUSDT',
    id: r.id,
    price: r.price,
    qty: r.qty,
    time: r.time,
    buyerIsMaker: r.buyerIsMaker,
  };
  return withSpan && r.span > 0 ? { ...trade, lastId: r.id + r.span } : trade;
}

/** What a batch parser must return for the printed `rows`: their trades, in order, and nothing else. */
export function expectedBatch(rows: readonly TradeRow[], withSpan: boolean): BatchResult {
  return { trades: rows.map((r) => expectedTrade(r, withSpan)), errors: [], dropped: 0 };
}
