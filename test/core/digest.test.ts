import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../core/aggregate.js';
import type { Candle } from '../../core/candle.js';
import { canonicalLine, digestCandles } from '../../core/digest.js';
import { syntheticTrades } from '../../core/synthetic.js';
import { SAMPLE_OPEN as OPEN, sampleCandle } from '../support/candles.js';

/** The sample candle; FIXED_LINE spells out every one of its fields. */
const FIXED: Candle = sampleCandle();

const FIXED_LINE =
  'BTCUSDT|1m|1723161300000|1723161359999|61837.63000000|61840.00000000|61830.00000001|' +
  '61839.00000000|1.23456789|1.2345678901234567|1.00000000|0.0000000000000005|159|100|260|' +
  '100-250,252,254-260';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Candles of two symbols over several minutes, the way a window of a store holds them. */
function sampleCandles(): Candle[] {
  const btc = syntheticTrades(400, { symbol: 'BTCUSDT', seed: 3, meanGapMs: 2_000 });
  const eth = syntheticTrades(300, {
    symbol: 'ETHUSDT',
    seed: 4,
    meanGapMs: 2_000,
    startId: 1_000,
    startPriceCents: 264_512,
  });
  return aggregate([...btc, ...eth], '1m');
}

describe('canonicalLine', () => {
  it('joins the record fields with | in a fixed order', () => {
    expect(canonicalLine(FIXED)).toBe(FIXED_LINE);
  });
});

describe('digestCandles', () => {
  it('is the SHA-256 of the canonical lines, each ending in a newline', () => {
    // Prepare
    const second: Candle = {
      ...FIXED,
      openTime: OPEN + 60_000,
      closeTime: OPEN + 119_999,
      count: 1,
      firstId: 261,
      lastId: 261,
      ranges: [[261, 261]],
    };
    const secondLine = FIXED_LINE.replace(
      '|1723161300000|1723161359999|',
      '|1723161360000|1723161419999|',
    ).replace(/\|159\|100\|260\|100-250,252,254-260$/, '|1|261|261|261');

    // Act
    const one = digestCandles([FIXED]);
    const two = digestCandles([second, FIXED]);

    // Assess
    expect(one).toBe(sha256(`${FIXED_LINE}\n`));
    expect(two).toBe(sha256(`${FIXED_LINE}\n${secondLine}\n`));
    expect(one).toMatch(/^[0-9a-f]{64}$/);
  });

  it('digests no candles to the SHA-256 of nothing', () => {
    expect(digestCandles([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the same digest for the same candles in any order', () => {
    const candles = sampleCandles();
    const reference = digestCandles(candles);
    expect(candles.length).toBeGreaterThan(10);

    fc.assert(
      fc.property(fc.shuffledSubarray(candles, { minLength: candles.length }), (shuffled) => {
        expect(digestCandles(shuffled)).toBe(reference);
      }),
      { numRuns: 50, seed: 7 },
    );
    expect(digestCandles([...candles].reverse())).toBe(reference);
  });

  it('does not change its input order', () => {
    const candles = sampleCandles().reverse();
    const before = candles.map((c) => `${c.symbol}${c.openTime}`);

    digestCandles(candles);

    expect(candles.map((c) => `${c.symbol}${c.openTime}`)).toStrictEqual(before);
  });

  it('changes when a candle is left out', () => {
    const candles = sampleCandles();

    expect(digestCandles(candles.slice(1))).not.toBe(digestCandles(candles));
  });

  const changes: [string, Partial<Candle>][] = [
    ['symbol', { symbol: 'BTCUSDC' }],
    ['interval', { interval: '1s' }],
    ['openTime', { openTime: OPEN + 60_000 }],
    ['closeTime', { closeTime: OPEN + 59_998 }],
    ['open', { open: FIXED.open + 1n }],
    ['high', { high: FIXED.high + 1n }],
    ['low', { low: FIXED.low - 1n }],
    ['close', { close: FIXED.close + 1n }],
    ['volume', { volume: FIXED.volume + 1n }],
    ['quoteVolume', { quoteVolume: FIXED.quoteVolume + 1n }],
    ['takerBuyBase', { takerBuyBase: FIXED.takerBuyBase + 1n }],
    ['takerBuyQuote', { takerBuyQuote: FIXED.takerBuyQuote + 1n }],
    ['count', { count: 158 }],
    ['firstId', { firstId: 99 }],
    ['lastId', { lastId: 261 }],
    [
      'ranges',
      {
        ranges: [
          [100, 251],
          [254, 260],
        ],
      },
    ],
  ];

  it.each(changes)('changes when only %s changes', (_field, change) => {
    // Prepare
    const changed: Candle = { ...FIXED, ...change };
    const neighbour: Candle = { ...FIXED, symbol: 'ETHUSDT' };

    // Act
    const before = digestCandles([FIXED, neighbour]);
    const after = digestCandles([changed, neighbour]);

    // Assess
    expect(after).not.toBe(before);
  });

  it('covers every field of a candle in the change table', () => {
    expect(changes.map(([f]) => f).sort()).toStrictEqual(Object.keys(FIXED).sort());
  });
});
