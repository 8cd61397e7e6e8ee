/**
 * Folds trades into one candle. This is the hot path: one call per trade, no allocation in the
 * common case (ids ascending, values within the safe-integer range), every sum exact.
 *
 * Order-independent and duplicate-safe: open and close follow the lowest and highest trade id, not
 * arrival order, and an id already covered is skipped, so redelivered trades never count twice.
 */
import type { Candle } from './candle.js';
import { ExactSum, toBigInt, type Units, unitsOf } from './decimal.js';
import { CoreError } from './errors.js';
import { closeTimeOf, type Interval } from './interval.js';
import type { IdRange } from './ranges.js';
import type { Trade } from './trade.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A running sum of 1e-8 units that stays a number while it can and spills into a bigint. */
class UnitSum {
  private small = 0;
  private big = 0n;

  add(x: Units): void {
    if (typeof x === 'bigint') {
      this.big += x;
      return;
    }
    const s = this.small + x;
    if (s > MAX_SAFE) {
      this.big += BigInt(this.small);
      this.small = x;
    } else {
      this.small = s;
    }
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }
}

export class CandleBuilder {
  private openId = Number.POSITIVE_INFINITY;
  private openPrice: Units = 0;
  private closeId = -1;
  private closePrice: Units = 0;
  private high: Units = -1;
  private low: Units = Number.POSITIVE_INFINITY;
  private readonly volume = new UnitSum();
  private readonly takerBase = new UnitSum();
  private readonly quote = new ExactSum();
  private readonly takerQuote = new ExactSum();
  private count = 0;
  /** Covered ids as flat pairs [first0, last0, first1, last1, ...], sorted and coalesced. */
  private readonly cover: number[] = [];

  /** Adds a trade; returns false when its ids were already covered (a duplicate). */
  add(trade: Trade): boolean {
    const first = trade.id;
    const last = trade.lastId ?? first;
    if (!this.cover_(first, last)) return false;
    const price = unitsOf(trade.price, 'price');
    const qty = unitsOf(trade.qty, 'qty');
    this.count += last - first + 1;
    if (first < this.openId) {
      this.openId = first;
      this.openPrice = price;
    }
    if (last > this.closeId) {
      this.closeId = last;
      this.closePrice = price;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.volume.add(qty);
    if (typeof price === 'number' && typeof qty === 'number') {
      this.quote.addProduct(price, qty);
      if (!trade.buyerIsMaker) {
        this.takerBase.add(qty);
        this.takerQuote.addProduct(price, qty);
      }
    } else {
      const product = toBigInt(price) * toBigInt(qty);
      this.quote.addBig(product);
      if (!trade.buyerIsMaker) {
        this.takerBase.add(qty);
        this.takerQuote.addBig(product);
      }
    }
    return true;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  build(symbol: string, interval: Interval, openTime: number): Candle {
    if (this.count === 0) throw new CoreError('BAD_CANDLE', 'cannot build a candle from no trades');
    const ranges: IdRange[] = [];
    for (let i = 0; i < this.cover.length; i += 2) ranges.push([this.cover[i]!, this.cover[i + 1]!]);
    return {
      symbol,
      interval,
      openTime,
      closeTime: closeTimeOf(openTime, interval),
      open: toBigInt(this.openPrice),
      high: toBigInt(this.high),
      low: toBigInt(this.low),
      close: toBigInt(this.closePrice),
      volume: this.volume.value(),
      quoteVolume: this.quote.value(),
      takerBuyBase: this.takerBase.value(),
      takerBuyQuote: this.takerQuote.value(),
      count: this.count,
      firstId: this.openId,
      lastId: this.closeId,
      ranges,
    };
  }

  /** Records ids first..last as covered; false when already covered. */
  private cover_(first: number, last: number): boolean {
    const c = this.cover;
    const n = c.length;
    if (n === 0 || first > c[n - 1]! + 1) {
      c.push(first, last);
      return true;
    }
    if (first === c[n - 1]! + 1) {
      c[n - 1] = last;
      return true;
    }
    return this.coverOutOfOrder(first, last);
  }

  private coverOutOfOrder(first: number, last: number): boolean {
    const c = this.cover;
    let i = 0; // the first pair that ends at or after `first`
    while (i < c.length && c[i + 1]! < first) i += 2;
    if (i < c.length) {
      if (c[i]! <= first && c[i + 1]! >= last) return false;
      if (c[i]! <= last) {
        throw new CoreError(
          'CONFLICT',
          `trade ids ${first}-${last} overlap covered ids ${c[i]}-${c[i + 1]} only in part`,
        );
      }
    }
    c.splice(i, 0, first, last);
    this.coalesce();
    return true;
  }

  private coalesce(): void {
    const c = this.cover;
    let w = 0;
    for (let r = 0; r < c.length; r += 2) {
      if (w > 0 && c[r]! <= c[w - 1]! + 1) {
        if (c[r + 1]! > c[w - 1]!) c[w - 1] = c[r + 1]!;
      } else {
        c[w] = c[r]!;
        c[w + 1] = c[r + 1]!;
        w += 2;
      }
    }
    c.length = w;
  }
}
