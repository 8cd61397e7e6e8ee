/**
 * Golden checks on real Binance frames recorded from the spot combined streams (../shared/data).
 * The folder is not part of the project; without it these tests are skipped, saying why.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../core/aggregate.js';
import { completeness, seriesGaps } from '../../core/coverage.js';
import { parseUnits, toBigInt } from '../../core/decimal.js';
import { fillEmptyIntervals } from '../../core/fill.js';
import { klineRow } from '../../core/kline.js';
import { parseFrame } from '../../core/parse/frame.js';
import { parseRecordedLine } from '../../core/parse/recorded.js';
import type { Trade } from '../../core/trade.js';

const DATA_DIR = join(import.meta.dirname, '../../../shared/data/binance-spot-ws');
const present = existsSync(DATA_DIR);

/** The recordings and the facts their README states about them. */
const RECORDINGS = [
  {
    prefix: 'BTCUSDT-spot-trades-2024',
    symbol: 'BTCUSDT',
    trades: 19_904,
    first: 3_735_683_259,
    last: 3_735_703_162,
    minutes: 10,
  },
  {
    prefix: 'ETHUSDT-spot-trades-2024',
    symbol: 'ETHUSDT',
    trades: 14_515,
    first: 1_520_538_925,
    last: 1_520_553_439,
    minutes: 10,
  },
  {
    prefix: 'BTCUSDT-spot-trades-2023',
    symbol: 'BTCUSDT',
    trades: 3_144,
    first: 3_071_245_454,
    last: 3_071_248_597,
    minutes: 6,
  },
];

function load(prefix: string): { trades: Trade[]; receivedAt: number[] } {
  const file = readdirSync(DATA_DIR).find((f) => f.startsWith(prefix));
  if (file === undefined) throw new Error(`no recording starting with ${prefix} in ${DATA_DIR}`);
  const trades: Trade[] = [];
  const receivedAt: number[] = [];
  for (const line of readFileSync(join(DATA_DIR, file), 'utf8').split('\n')) {
    if (line === '') continue;
    const rec = parseRecordedLine(line);
    const event = parseFrame(rec.frame);
    if (event.kind !== 'trade') throw new Error(`unexpected ${event.kind} frame`);
    trades.push(event.trade);
    receivedAt.push(rec.receivedAt);
  }
  return { trades, receivedAt };
}

const title = present
  ? 'golden: real Binance frames'
  : `golden: real Binance frames (skipped: ${DATA_DIR} is absent)`;

describe.skipIf(!present)(title, () => {
  for (const rec of RECORDINGS) {
    describe(rec.prefix, () => {
      const { trades, receivedAt } = present ? load(rec.prefix) : { trades: [], receivedAt: [] };

      it('parses every line into a trade with contiguous ids', () => {
        expect(trades.length).toBe(rec.trades);
        expect(trades[0]!.id).toBe(rec.first);
        expect(trades.at(-1)!.id).toBe(rec.last);
        trades.forEach((t, i) => {
          expect(t.symbol).toBe(rec.symbol);
          expect(t.id).toBe(rec.first + i);
        });
      });

      it('has trade times that never decrease and precede their receipt by under 5 s', () => {
        for (let i = 1; i < trades.length; i++)
          expect(trades[i]!.time).toBeGreaterThanOrEqual(trades[i - 1]!.time);
        for (const [i, t] of trades.entries()) expect(Math.abs(receivedAt[i]! - t.time)).toBeLessThan(5_000);
      });

      it('builds 1m candles that are internally consistent and equal an independent recomputation', () => {
        const candles = aggregate(trades, '1m');
        expect(seriesGaps(candles)).toEqual([]);
        expect(candles.reduce((n, c) => n + c.count, 0)).toBe(rec.trades);
        for (const [i, c] of candles.entries()) {
          const own = trades.filter((t) => t.time >= c.openTime && t.time <= c.closeTime);
          expect(c.count).toBe(own.length);
          expect(c.firstId).toBe(own[0]!.id);
          expect(c.lastId).toBe(own.at(-1)!.id);
          expect(c.ranges).toEqual([[c.firstId, c.lastId]]);
          expect(c.open).toBe(units(own[0]!.price));
          expect(c.close).toBe(units(own.at(-1)!.price));
          const prices = own.map((t) => units(t.price));
          expect(c.high).toBe(prices.reduce((a, b) => (b > a ? b : a)));
          expect(c.low).toBe(prices.reduce((a, b) => (b < a ? b : a)));
          expect(c.volume).toBe(sum(own.map((t) => units(t.qty))));
          expect(c.quoteVolume).toBe(sum(own.map((t) => units(t.price) * units(t.qty))));
          const takers = own.filter((t) => !t.buyerIsMaker);
          expect(c.takerBuyBase).toBe(sum(takers.map((t) => units(t.qty))));
          expect(c.takerBuyQuote).toBe(sum(takers.map((t) => units(t.price) * units(t.qty))));
          // Minutes strictly inside the recording are complete: their neighbours meet them.
          if (i > 0 && i < candles.length - 1) {
            const verdict = completeness(c, {
              prevLastId: candles[i - 1]!.lastId,
              nextFirstId: candles[i + 1]!.firstId,
            });
            expect(verdict).toEqual({ complete: true, gaps: [] });
          }
        }
        // The README counts complete minutes; the two edge minutes are partial.
        expect(candles.length - 2).toBe(rec.minutes);
      });

      it('prints klines with 8 fractional digits and close times one interval minus 1 ms later', () => {
        for (const c of fillEmptyIntervals(aggregate(trades, '1m'))) {
          const row = klineRow(c);
          expect(row).toHaveLength(12);
          for (const col of [1, 2, 3, 4, 5, 7, 9, 10]) expect(row[col]).toMatch(/^\d+\.\d{8}$/);
          expect(Number(row[6]) - Number(row[0])).toBe(59_999);
        }
      });
    });
  }
});

function units(text: string): bigint {
  return toBigInt(parseUnits(text));
}

function sum(values: bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}
