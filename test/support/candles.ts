/** Hand-built candles shared by the tests of the modules that print, store and digest candles. */
import type { Candle } from '../../core/candle.js';

/** The bigint fields of a candle, its prices and volumes, in the order of the Candle interface. */
export const CANDLE_VALUE_FIELDS = [
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteVolume',
  'takerBuyBase',
  'takerBuyQuote',
] as const satisfies readonly (keyof Candle)[];

/** Every field of a candle (and of its stored record), in the order of the Candle interface. */
export const CANDLE_FIELDS = [
  'symbol',
  'interval',
  'openTime',
  'closeTime',
  ...CANDLE_VALUE_FIELDS,
  'count',
  'firstId',
  'lastId',
  'ranges',
] as const satisfies readonly (keyof Candle)[];

/** 2024-08-08 23:55:00 UTC, a minute boundary. */
export const SAMPLE_OPEN = 1723161300000;

/**
 * A BTCUSDT 1m candle opening at {@link SAMPLE_OPEN}, with `overrides` laid over it.
 *
 * The defaults are consistent the way a stored candle must be: the prices lie within
 * [low, high], and the 159 trades (151 + 1 + 7 ids in `ranges`) run from `firstId` 100 to
 * `lastId` 260. Tests whose expected text depends on a field pass that field explicitly when it
 * differs from these defaults. Each call returns a new candle with new `ranges` arrays.
 */
export function sampleCandle(overrides: Partial<Candle> = {}): Candle {
  return {
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: SAMPLE_OPEN,
    closeTime: SAMPLE_OPEN + 59_999,
    open: 6_183_763_000_000n,
    high: 6_184_000_000_000n,
    low: 6_183_000_000_001n,
    close: 6_183_900_000_000n,
    volume: 123_456_789n,
    quoteVolume: 12_345_678_901_234_567n,
    takerBuyBase: 100_000_000n,
    takerBuyQuote: 5n,
    count: 159,
    firstId: 100,
    lastId: 260,
    ranges: [
      [100, 250],
      [252, 252],
      [254, 260],
    ],
    ...overrides,
  };
}
