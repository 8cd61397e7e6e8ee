import { describe, expect, it } from 'vitest';
import type { Candle } from '../../core/candle.js';
import { completeness, seriesGaps } from '../../core/coverage.js';
import type { IdRange } from '../../core/ranges.js';

const T0 = Date.UTC(2024, 7, 8, 23, 55);
const MINUTE = 60_000;

/** A 1m candle at minute `minute` after T0 covering exactly `ranges`; the values do not matter here. */
function covering(minute: number, ranges: IdRange[]): Candle {
  let count = 0;
  for (const [a, b] of ranges) count += b - a + 1;
  const openTime = T0 + minute * MINUTE;
  return {
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime,
    closeTime: openTime + MINUTE - 1,
    open: 100n,
    high: 100n,
    low: 100n,
    close: 100n,
    volume: count === 0 ? 0n : 1n,
    quoteVolume: count === 0 ? 0n : 100n,
    takerBuyBase: 0n,
    takerBuyQuote: 0n,
    count,
    firstId: ranges[0]?.[0] ?? -1,
    lastId: ranges[ranges.length - 1]?.[1] ?? -1,
    ranges,
  };
}

describe('completeness', () => {
  it('calls a contiguous candle that meets both neighbours complete, with no gaps', () => {
    // Prepare
    const candle = covering(0, [[100, 250]]);

    // Act
    const result = completeness(candle, { prevLastId: 99, nextFirstId: 251 });

    // Assess
    expect(result).toStrictEqual({ complete: true, gaps: [] });
  });

  it('reports a hole inside the candle even when the edges meet', () => {
    const candle = covering(0, [
      [100, 150],
      [153, 250],
    ]);

    const result = completeness(candle, { prevLastId: 99, nextFirstId: 251 });

    expect(result).toStrictEqual({ complete: false, gaps: [[151, 152]] });
  });

  it('reports every hole of a candle with several ranges, in id order', () => {
    const candle = covering(0, [
      [10, 10],
      [12, 12],
      [20, 29],
    ]);

    const result = completeness(candle, { prevLastId: 9, nextFirstId: 30 });

    expect(result.gaps).toStrictEqual([
      [11, 11],
      [13, 19],
    ]);
    expect(result.complete).toBe(false);
  });

  it('reports the ids missing before the candle when the previous candle ends early', () => {
    const candle = covering(0, [[100, 250]]);

    const result = completeness(candle, { prevLastId: 95, nextFirstId: 251 });

    expect(result).toStrictEqual({ complete: false, gaps: [[96, 99]] });
  });

  it('reports the ids missing after the candle when the next candle starts late', () => {
    const candle = covering(0, [[100, 250]]);

    const result = completeness(candle, { prevLastId: 99, nextFirstId: 260 });

    expect(result).toStrictEqual({ complete: false, gaps: [[251, 259]] });
  });

  it('orders an edge gap before, a hole and an edge gap after', () => {
    const candle = covering(0, [
      [100, 110],
      [115, 120],
    ]);

    const result = completeness(candle, { prevLastId: 90, nextFirstId: 125 });

    expect(result.gaps).toStrictEqual([
      [91, 99],
      [111, 114],
      [121, 124],
    ]);
  });

  it('never calls a candle complete without both neighbours, and judges only its inside', () => {
    const whole = covering(0, [[100, 250]]);
    const holed = covering(0, [
      [100, 150],
      [152, 250],
    ]);

    const noneKnown = completeness(whole, {});
    const onlyPrev = completeness(whole, { prevLastId: 99 });
    const onlyNext = completeness(whole, { nextFirstId: 251 });
    const holedUnknown = completeness(holed, {});
    const farPrevOnly = completeness(whole, { prevLastId: 50 });

    expect(noneKnown).toStrictEqual({ complete: false, gaps: [] });
    expect(onlyPrev).toStrictEqual({ complete: false, gaps: [] });
    expect(onlyNext).toStrictEqual({ complete: false, gaps: [] });
    expect(holedUnknown).toStrictEqual({ complete: false, gaps: [[151, 151]] });
    // The known edge is still judged.
    expect(farPrevOnly).toStrictEqual({ complete: false, gaps: [[51, 99]] });
  });

  it('calls an empty candle between neighbours that meet complete', () => {
    const empty = covering(1, []);

    const result = completeness(empty, { prevLastId: 250, nextFirstId: 251 });

    expect(result).toStrictEqual({ complete: true, gaps: [] });
  });

  it('reports the ids an empty candle may be missing between its neighbours', () => {
    const empty = covering(1, []);

    const result = completeness(empty, { prevLastId: 250, nextFirstId: 260 });

    expect(result).toStrictEqual({ complete: false, gaps: [[251, 259]] });
  });

  it('cannot judge an empty candle with a neighbour unknown', () => {
    const empty = covering(1, []);

    const result = completeness(empty, { prevLastId: 250 });

    expect(result).toStrictEqual({ complete: false, gaps: [] });
  });
});

describe('seriesGaps', () => {
  it('finds nothing in a contiguous series', () => {
    const series = [covering(0, [[1, 10]]), covering(1, [[11, 30]]), covering(2, [[31, 31]])];

    expect(seriesGaps(series)).toStrictEqual([]);
  });

  it('finds holes inside candles and between them, skipping empty candles', () => {
    const series = [
      covering(0, [
        [1, 5],
        [8, 10],
      ]),
      covering(1, []),
      covering(2, [[14, 20]]),
      covering(3, []),
      covering(4, []),
      covering(5, [[21, 25]]),
      covering(6, [[30, 31]]),
    ];

    const gaps = seriesGaps(series);

    expect(gaps).toStrictEqual([
      [6, 7],
      [11, 13],
      [26, 29],
    ]);
  });

  it('does not judge ids before the first or after the last candle', () => {
    const series = [covering(0, []), covering(1, [[500, 600]]), covering(2, [])];

    expect(seriesGaps(series)).toStrictEqual([]);
  });

  it('finds nothing in an empty series or one of empty candles', () => {
    expect(seriesGaps([])).toStrictEqual([]);
    expect(seriesGaps([covering(0, []), covering(1, [])])).toStrictEqual([]);
  });
});
