import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../core/aggregate.js';
import type { Candle } from '../../core/candle.js';
import type { CoreError } from '../../core/errors.js';
import { emptyCandle } from '../../core/fill.js';
import type { Interval } from '../../core/interval.js';
import { type CandleRecord, fromRecord, toRecord } from '../../core/record.js';
import { syntheticTrades } from '../../core/synthetic.js';
import { CANDLE_FIELDS, SAMPLE_OPEN as OPEN, sampleCandle } from '../support/candles.js';
import { coreErrorOf } from '../support/errors.js';

/** The sample candle with no taker buys: its takerBuyBase prints as 0.00000000. */
const CANDLE: Candle = sampleCandle({ takerBuyBase: 0n });

const RECORD: CandleRecord = {
  symbol: 'BTCUSDT',
  interval: '1m',
  openTime: OPEN,
  closeTime: OPEN + 59_999,
  open: '61837.63000000',
  high: '61840.00000000',
  low: '61830.00000001',
  close: '61839.00000000',
  volume: '1.23456789',
  quoteVolume: '1.2345678901234567',
  takerBuyBase: '0.00000000',
  takerBuyQuote: '0.0000000000000005',
  count: 159,
  firstId: 100,
  lastId: 260,
  ranges: '100-250,252,254-260',
};

function rejection(r: Record<string, unknown>): CoreError {
  return coreErrorOf(() => fromRecord(r), `fromRecord(${JSON.stringify(r)})`);
}

function expectRejected(change: Record<string, unknown>, field: string): void {
  const err = rejection({ ...RECORD, ...change });
  expect(err.code).toBe('BAD_CANDLE');
  expect(err.message).toMatch(new RegExp(`\\bfield ${field}\\b`));
}

describe('toRecord', () => {
  it('prints prices and base volumes with 8 digits, quote volumes with 16, ranges as text', () => {
    // Prepare: the hand-built candle covers 151 + 1 + 7 = 159 ids.
    const candle = CANDLE;

    // Act
    const record = toRecord(candle);

    // Assess
    expect(record).toStrictEqual(RECORD);
  });

  it('prints an empty interval with empty ranges and ids -1', () => {
    const empty = emptyCandle('BTCUSDT', '1m', OPEN, 1n);

    const record = toRecord(empty);

    expect(record).toMatchObject({
      open: '0.00000001',
      quoteVolume: '0.0000000000000000',
      count: 0,
      firstId: -1,
      lastId: -1,
      ranges: '',
    });
  });
});

describe('fromRecord', () => {
  it('reads the exact candle back from its record', () => {
    const candle = fromRecord({ ...RECORD });

    expect(candle).toStrictEqual(CANDLE);
  });

  it('reads back values beyond the safe-integer range and an empty interval', () => {
    const big: Candle = {
      symbol: 'ETHUSDT',
      interval: '1M',
      openTime: Date.UTC(2024, 1, 1),
      closeTime: Date.UTC(2024, 2, 1) - 1,
      open: 2n ** 64n,
      high: 2n ** 65n,
      low: 2n ** 63n,
      close: 2n ** 64n + 1n,
      volume: 10n ** 25n + 7n,
      quoteVolume: 10n ** 40n + 3n,
      takerBuyBase: 10n ** 20n,
      takerBuyQuote: 10n ** 35n,
      count: 1,
      firstId: Number.MAX_SAFE_INTEGER,
      lastId: Number.MAX_SAFE_INTEGER,
      ranges: [[Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]],
    };
    const empty = emptyCandle('ETHUSDT', '1s', OPEN, 5n);

    const roundTrips = [big, empty].map((c) => fromRecord(JSON.parse(JSON.stringify(toRecord(c)))));

    expect(roundTrips).toStrictEqual([big, empty]);
  });

  it('round-trips every candle aggregated from any subset of synthetic trades', () => {
    const intervals: Interval[] = ['1s', '1m', '5m', '1h', '1d', '1w', '1M'];
    const inputArb = fc
      .record({
        seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        count: fc.integer({ min: 1, max: 200 }),
        interval: fc.constantFrom(...intervals),
        meanGapMs: fc.constantFrom(5, 500, 20_000),
      })
      .chain((p) =>
        fc.record({
          p: fc.constant(p),
          keep: fc.array(fc.boolean(), { minLength: p.count, maxLength: p.count }),
        }),
      );

    fc.assert(
      fc.property(inputArb, ({ p, keep }) => {
        const all = [...syntheticTrades(p.count, { seed: p.seed, meanGapMs: p.meanGapMs })];
        const part = all.filter((_, i) => keep[i]);
        const candles = aggregate(part, p.interval);

        const back = candles.map((c) => fromRecord(JSON.parse(JSON.stringify(toRecord(c)))));

        expect(back).toStrictEqual(candles);
        // The records of the whole series are stored text: the trade count survives too.
        expect(back.reduce((n, c) => n + c.count, 0)).toBe(part.length);
      }),
      { numRuns: 150, seed: 20240808 },
    );
  });

  it.each(CANDLE_FIELDS)('rejects a record without %s, naming the field', (field) => {
    const r: Record<string, unknown> = { ...RECORD };
    delete r[field];

    const err = rejection(r);

    expect(err.code).toBe('BAD_CANDLE');
    expect(err.message).toMatch(new RegExp(`\\bfield ${field}\\b`));
  });

  it.each(['2m', '1D', '1min', '', ' 1m'])('rejects the interval %j', (interval) => {
    expectRejected({ interval }, 'interval');
  });

  it.each([
    ['open', 'abc'],
    ['high', '1e5'],
    ['low', ''],
    ['close', ' 61839.00000000'],
    ['close', '61839,00'],
    ['volume', '1.000000001'],
    ['quoteVolume', '1.00000000000000001'],
    ['takerBuyBase', '.5'],
    ['takerBuyQuote', '0x10'],
  ])('rejects %s = %j as not a decimal', (field, value) => {
    expectRejected({ [field]: value }, field);
  });

  it.each([
    ['open', 61837.63],
    ['volume', 1],
    ['quoteVolume', null],
    ['symbol', 7],
  ])('rejects %s of the wrong type (%j)', (field, value) => {
    expectRejected({ [field]: value }, field);
  });

  it.each([
    ['openTime', 1.5],
    ['openTime', '1723161300000'],
    ['closeTime', 2 ** 53],
    ['count', -1],
    ['firstId', '100'],
  ])('rejects %s = %j as not a safe integer or not consistent', (field, value) => {
    expectRejected({ [field]: value }, field);
  });

  it('rejects a count that does not match the ranges', () => {
    expectRejected({ count: 160 }, 'count');
    expectRejected({ count: 158 }, 'count');
  });

  it('rejects a firstId or lastId that is not the edge of the ranges', () => {
    expectRejected({ firstId: 101 }, 'firstId');
    expectRejected({ firstId: -1 }, 'firstId');
    expectRejected({ lastId: 261 }, 'lastId');
    expectRejected({ count: 0, ranges: '', firstId: -1, lastId: 260 }, 'lastId');
  });

  it('rejects a closeTime that is not 1 ms before the next open time', () => {
    expectRejected({ closeTime: OPEN + 60_000 }, 'closeTime');
    expectRejected({ closeTime: OPEN + 59_998 }, 'closeTime');
    expectRejected({ interval: '5m' }, 'closeTime');
  });

  it('rejects high below low, and open or close outside them, naming high', () => {
    expectRejected({ high: '61829.00000000' }, 'high');
    expectRejected({ open: '61840.00000001' }, 'high');
    expectRejected({ close: '61830.00000000' }, 'high');
  });

  it.each([
    'a-b',
    '100-250,252,254-',
    '250-100',
    '100-250,250-260',
    '100-250,251-260',
    '254-260,100-250',
    '100-250,,252',
    ' 100-250',
    '-5',
    '100--250',
  ])('rejects the malformed ranges text %j', (ranges) => {
    expectRejected({ ranges }, 'ranges');
  });

  it('rejects a negative volume', () => {
    expectRejected({ volume: '-1.23456789' }, 'volume');
  });

  it('rejects a negative low price', () => {
    expectRejected({ low: '-1.00000000' }, 'low');
  });

  it('rejects an openTime that is not the open time of a kline', () => {
    // 30 s into a minute, with the closeTime the interval would then give.
    expectRejected({ openTime: OPEN + 30_000, closeTime: OPEN + 59_999 }, 'openTime');
  });
});
