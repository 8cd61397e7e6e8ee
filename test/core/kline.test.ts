import { describe, expect, it } from 'vitest';
import type { Candle } from '../../core/candle.js';
import { emptyCandle } from '../../core/fill.js';
import { klineCsvLine, klineRow } from '../../core/kline.js';
import { SAMPLE_OPEN, sampleCandle } from '../support/candles.js';

/** The sample candle with 42 trades and the taker quote volume 9.9999999999999999. */
const BASE: Candle = sampleCandle({
  takerBuyQuote: 99_999_999_999_999_999n,
  count: 42,
  firstId: 3_735_683_259,
  lastId: 3_735_683_300,
  ranges: [[3_735_683_259, 3_735_683_300]],
});

describe('klineRow', () => {
  it('prints the 12 Binance columns with 8 fractional digits', () => {
    // Act
    const row = klineRow(BASE);

    // Assess
    expect(row).toStrictEqual([
      '1723161300000',
      '61837.63000000',
      '61840.00000000',
      '61830.00000001',
      '61839.00000000',
      '1.23456789',
      '1723161359999',
      '1.23456789',
      '42',
      '1.00000000',
      '9.99999999',
      '0',
    ]);
  });

  it('truncates 16-digit quote volumes toward zero, never rounding up', () => {
    // Prepare: 0.0000000099999999 and 0.0000000100000000 at 1e-16.
    const below = { ...BASE, quoteVolume: 99_999_999n, takerBuyQuote: 100_000_000n };

    // Act
    const row = klineRow(below);

    // Assess
    expect(row[7]).toBe('0.00000000');
    expect(row[10]).toBe('0.00000001');
  });

  it('prints values far beyond the safe-integer range exactly', () => {
    const big: Candle = {
      ...BASE,
      open: 9_007_199_254_740_993n, // 2^53 + 1
      high: 9_007_199_254_740_993n,
      volume: 2n ** 70n,
      quoteVolume: 10n ** 30n + 5n,
      takerBuyBase: 2n ** 70n - 1n,
      takerBuyQuote: 123_456_789_012_345_678_901_234_567_890n,
      count: 4_000_000_000,
    };

    const row = klineRow(big);

    expect(row[1]).toBe('90071992.54740993');
    expect(row[2]).toBe('90071992.54740993');
    expect(row[5]).toBe('11805916207174.11303424');
    expect(row[7]).toBe('100000000000000.00000000');
    expect(row[8]).toBe('4000000000');
    expect(row[9]).toBe('11805916207174.11303423');
    expect(row[10]).toBe('12345678901234.56789012');
  });

  it('prints an empty interval with zeros', () => {
    const empty = emptyCandle('BTCUSDT', '1m', SAMPLE_OPEN, 0n);

    const row = klineRow(empty);

    expect(row).toStrictEqual([
      '1723161300000',
      '0.00000000',
      '0.00000000',
      '0.00000000',
      '0.00000000',
      '0.00000000',
      '1723161359999',
      '0.00000000',
      '0',
      '0.00000000',
      '0.00000000',
      '0',
    ]);
  });

  it('prints sub-unit prices with their leading zeros', () => {
    const small = { ...BASE, open: 1n, low: 1n, close: 10n, high: 1_633_102n };

    const row = klineRow(small);

    expect(row.slice(1, 5)).toStrictEqual(['0.00000001', '0.01633102', '0.00000001', '0.00000010']);
  });
});

describe('klineCsvLine', () => {
  it('joins the row with commas and nothing else', () => {
    const line = klineCsvLine(BASE);

    expect(line).toBe(
      '1723161300000,61837.63000000,61840.00000000,61830.00000001,61839.00000000,1.23456789,' +
        '1723161359999,1.23456789,42,1.00000000,9.99999999,0',
    );
  });
});
