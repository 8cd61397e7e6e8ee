import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closeTimeOf,
  INTERVALS,
  type Interval,
  intervalMs,
  isInterval,
  isOpenTime,
  MAX_TIME_MS,
  nextOpenTime,
  openTimeOf,
  parseInterval,
} from '../../core/interval.js';
import { coreErrorOf } from '../support/errors.js';

const utc = (y: number, mo: number, d = 1, h = 0, mi = 0, s = 0, ms = 0): number =>
  Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe('interval names', () => {
  it('lists all sixteen, shortest first', () => {
    expect(INTERVALS).toEqual([
      '1s',
      '1m',
      '3m',
      '5m',
      '15m',
      '30m',
      '1h',
      '2h',
      '4h',
      '6h',
      '8h',
      '12h',
      '1d',
      '3d',
      '1w',
      '1M',
    ]);
    const fixed = INTERVALS.slice(0, -1).map((i) => intervalMs(i)!);
    expect(fixed).toEqual([...fixed].sort((a, b) => a - b));
    expect(new Set(fixed).size).toBe(fixed.length);
  });

  it('tells 1m (minute) from 1M (month)', () => {
    expect(parseInterval('1m')).toBe('1m');
    expect(parseInterval('1M')).toBe('1M');
    expect(intervalMs('1m')).toBe(60_000);
    expect(intervalMs('1M')).toBeUndefined();
    expect(openTimeOf(utc(2024, 8, 8, 12, 34, 56), '1m')).toBe(utc(2024, 8, 8, 12, 34));
    expect(openTimeOf(utc(2024, 8, 8, 12, 34, 56), '1M')).toBe(utc(2024, 8, 1));
  });

  it('rejects unknown names with BAD_INTERVAL, naming the text and the valid ones', () => {
    const err = coreErrorOf(() => parseInterval('2m'));
    expect(err.code).toBe('BAD_INTERVAL');
    expect(err.message).toContain('"2m"');
    expect(err.message).toContain('1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M');
    for (const bad of ['', '1H', '1D', '1W', '60s', ' 1m', '1m ', 'm1', 'toString', '__proto__']) {
      expect(isInterval(bad)).toBe(false);
      expect(coreErrorOf(() => parseInterval(bad)).code).toBe('BAD_INTERVAL');
    }
  });

  it('hints at the case when only the case is wrong', () => {
    expect(coreErrorOf(() => parseInterval('1H')).message).toContain('did you mean 1h?');
    expect(coreErrorOf(() => parseInterval('2m')).message).not.toContain('did you mean');
  });

  it('gives fixed lengths in ms', () => {
    expect(intervalMs('1s')).toBe(1_000);
    expect(intervalMs('15m')).toBe(900_000);
    expect(intervalMs('4h')).toBe(14_400_000);
    expect(intervalMs('12h')).toBe(43_200_000);
    expect(intervalMs('1d')).toBe(86_400_000);
    expect(intervalMs('3d')).toBe(259_200_000);
    expect(intervalMs('1w')).toBe(604_800_000);
  });
});

describe('fixed intervals', () => {
  it('puts the last ms of a minute in that minute', () => {
    const t = utc(2024, 8, 8, 23, 59, 59, 999);
    const open = openTimeOf(t, '1m');
    expect(open).toBe(utc(2024, 8, 8, 23, 59));
    expect(nextOpenTime(open, '1m')).toBe(utc(2024, 8, 9));
    expect(closeTimeOf(open, '1m')).toBe(t);
  });

  it('floors to the second for 1s', () => {
    expect(openTimeOf(utc(2024, 8, 8, 1, 2, 3, 456), '1s')).toBe(utc(2024, 8, 8, 1, 2, 3));
    expect(openTimeOf(utc(2024, 8, 8, 1, 2, 3), '1s')).toBe(utc(2024, 8, 8, 1, 2, 3));
    expect(closeTimeOf(utc(2024, 8, 8, 1, 2, 3), '1s')).toBe(utc(2024, 8, 8, 1, 2, 3, 999));
  });

  it('aligns 4h to 00, 04, 08, 12, 16, 20 UTC', () => {
    expect(openTimeOf(utc(2024, 8, 8, 3, 59, 59, 999), '4h')).toBe(utc(2024, 8, 8, 0));
    expect(openTimeOf(utc(2024, 8, 8, 4), '4h')).toBe(utc(2024, 8, 8, 4));
    expect(openTimeOf(utc(2024, 8, 8, 22, 15), '4h')).toBe(utc(2024, 8, 8, 20));
    expect(nextOpenTime(utc(2024, 8, 8, 20), '4h')).toBe(utc(2024, 8, 9));
  });

  it('aligns 1d to UTC midnight', () => {
    expect(openTimeOf(utc(2024, 2, 29, 23, 59, 59, 999), '1d')).toBe(utc(2024, 2, 29));
    expect(closeTimeOf(utc(2024, 2, 29), '1d')).toBe(utc(2024, 3, 1) - 1);
  });

  it('aligns 3d to multiples of 259200000 ms from the epoch', () => {
    expect(openTimeOf(utc(1970, 1, 3, 23, 59), '3d')).toBe(0);
    expect(openTimeOf(utc(1970, 1, 4), '3d')).toBe(utc(1970, 1, 4));
    // 2024-08-08 is day 19943 since the epoch; 19941 is the multiple of 3 at or below it.
    const open = openTimeOf(utc(2024, 8, 8, 12), '3d');
    expect(open).toBe(utc(2024, 8, 6));
    expect(open % 259_200_000).toBe(0);
    expect(nextOpenTime(open, '3d')).toBe(utc(2024, 8, 9));
  });

  it('floors times before the epoch downward, not toward zero', () => {
    expect(openTimeOf(-1, '1s')).toBe(-1000);
    expect(openTimeOf(-1000, '1s')).toBe(-1000);
    expect(openTimeOf(-1001, '1s')).toBe(-2000);
    expect(openTimeOf(utc(1969, 12, 31, 23, 59, 59, 999), '1d')).toBe(utc(1969, 12, 31));
    expect(openTimeOf(-1, '3d')).toBe(-259_200_000);
    expect(isOpenTime(-1000, '1s')).toBe(true);
    expect(isOpenTime(-1, '1s')).toBe(false);
    expect(Object.is(openTimeOf(-1000, '1s'), -1000)).toBe(true);
    expect(Object.is(openTimeOf(0, '1m'), 0)).toBe(true);
  });
});

describe('1w', () => {
  it('starts on Monday 00:00 UTC', () => {
    // 2024-08-11 is a Sunday; its week began Monday 2024-08-05.
    const sunday = utc(2024, 8, 11, 23, 59, 59, 999);
    expect(openTimeOf(sunday, '1w')).toBe(utc(2024, 8, 5));
    expect(closeTimeOf(utc(2024, 8, 5), '1w')).toBe(sunday);
    expect(openTimeOf(utc(2024, 8, 12), '1w')).toBe(utc(2024, 8, 12));
    expect(isOpenTime(utc(2024, 8, 12), '1w')).toBe(true);
    expect(isOpenTime(utc(2024, 8, 11), '1w')).toBe(false);
    expect(nextOpenTime(utc(2024, 8, 12), '1w')).toBe(utc(2024, 8, 19));
    expect(new Date(openTimeOf(utc(2024, 8, 8, 9), '1w')).getUTCDay()).toBe(1);
  });

  it('anchors on Monday 1970-01-05 and reaches back before it', () => {
    expect(openTimeOf(utc(1970, 1, 5), '1w')).toBe(utc(1970, 1, 5));
    expect(openTimeOf(0, '1w')).toBe(utc(1969, 12, 29));
    expect(openTimeOf(utc(1970, 1, 4, 23, 59, 59, 999), '1w')).toBe(utc(1969, 12, 29));
  });
});

describe('1M', () => {
  it('follows calendar months, leap February included', () => {
    expect(openTimeOf(utc(2024, 2, 29, 12), '1M')).toBe(utc(2024, 2, 1));
    expect(nextOpenTime(utc(2024, 2, 1), '1M')).toBe(utc(2024, 3, 1));
    expect(closeTimeOf(utc(2024, 2, 1), '1M')).toBe(utc(2024, 3, 1) - 1);
    expect(closeTimeOf(utc(2023, 2, 1), '1M')).toBe(utc(2023, 3, 1) - 1);
    expect(nextOpenTime(utc(2023, 2, 1), '1M') - utc(2023, 2, 1)).toBe(28 * 86_400_000);
    expect(nextOpenTime(utc(2024, 2, 1), '1M') - utc(2024, 2, 1)).toBe(29 * 86_400_000);
  });

  it('rolls over the year', () => {
    const t = utc(2023, 12, 31, 23, 59, 59, 999);
    expect(openTimeOf(t, '1M')).toBe(utc(2023, 12, 1));
    expect(nextOpenTime(openTimeOf(t, '1M'), '1M')).toBe(utc(2024, 1, 1));
    expect(openTimeOf(t + 1, '1M')).toBe(utc(2024, 1, 1));
  });

  it('does not overflow from the 31st into the month after next', () => {
    expect(nextOpenTime(utc(2024, 1, 31, 10), '1M')).toBe(utc(2024, 2, 1));
    expect(closeTimeOf(utc(2024, 1, 31, 10), '1M')).toBe(utc(2024, 2, 1) - 1);
  });

  it('recognises open times', () => {
    expect(isOpenTime(utc(2024, 3, 1), '1M')).toBe(true);
    expect(isOpenTime(utc(2024, 3, 1) + 1, '1M')).toBe(false);
    expect(isOpenTime(utc(2024, 3, 2), '1M')).toBe(false);
  });

  it('answers the same whatever order months are asked in', () => {
    // openTimeOf remembers the last month it found; jumping around must not return a stale one.
    expect(openTimeOf(utc(2024, 5, 15), '1M')).toBe(utc(2024, 5, 1));
    expect(openTimeOf(utc(2024, 4, 30, 23, 59, 59, 999), '1M')).toBe(utc(2024, 4, 1));
    expect(openTimeOf(utc(2024, 5, 1), '1M')).toBe(utc(2024, 5, 1));
    expect(openTimeOf(utc(2024, 6, 1) - 1, '1M')).toBe(utc(2024, 5, 1));
    expect(openTimeOf(utc(2024, 6, 1), '1M')).toBe(utc(2024, 6, 1));
  });

  it('handles years 0..99, which Date.UTC would read as 19xx', () => {
    const d = new Date(0);
    d.setUTCFullYear(50, 6, 1);
    const july50 = d.getTime();
    d.setUTCFullYear(50, 7, 1);
    expect(openTimeOf(july50 + 86_400_000, '1M')).toBe(july50);
    expect(nextOpenTime(july50, '1M')).toBe(d.getTime());
  });

  it('works before the epoch', () => {
    expect(openTimeOf(-1, '1M')).toBe(utc(1969, 12, 1));
    expect(nextOpenTime(-1, '1M')).toBe(0);
  });
});

describe('bad times', () => {
  it('rejects non-integers and times outside the range of a Date with BAD_RECORD', () => {
    for (const t of [0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_TIME_MS + 1, -MAX_TIME_MS - 1]) {
      for (const i of ['1m', '1w', '1M'] as const) {
        expect(coreErrorOf(() => openTimeOf(t, i)).code).toBe('BAD_RECORD');
        expect(coreErrorOf(() => nextOpenTime(t, i)).code).toBe('BAD_RECORD');
        expect(isOpenTime(t, i)).toBe(false);
      }
    }
  });

  it('accepts the extremes of the range for fixed intervals', () => {
    expect(openTimeOf(MAX_TIME_MS, '1d')).toBe(MAX_TIME_MS);
    expect(openTimeOf(-MAX_TIME_MS, '1d')).toBe(-MAX_TIME_MS);
  });

  it('rejects 1M klines that cross the edge of the range', () => {
    expect(coreErrorOf(() => openTimeOf(-MAX_TIME_MS, '1M')).code).toBe('BAD_RECORD');
    expect(coreErrorOf(() => nextOpenTime(MAX_TIME_MS, '1M')).code).toBe('BAD_RECORD');
  });
});

describe('properties', () => {
  const interval = fc.constantFrom<Interval>(...INTERVALS);
  const time = fc.integer({ min: utc(2017, 1, 1), max: utc(2030, 12, 31, 23, 59, 59, 999) });
  const anyTime = fc.integer({ min: -utc(2200, 1, 1), max: utc(2200, 1, 1) });

  it('every time falls in exactly one kline, whose bounds are open times', () => {
    fc.assert(
      fc.property(interval, fc.oneof(time, anyTime), (i, t) => {
        const open = openTimeOf(t, i);
        const next = nextOpenTime(open, i);
        expect(open).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(next);
        expect(isOpenTime(open, i)).toBe(true);
        expect(openTimeOf(open, i)).toBe(open);
        expect(closeTimeOf(open, i)).toBe(next - 1);
        expect(isOpenTime(next, i)).toBe(true);
        expect(openTimeOf(next - 1, i)).toBe(open);
        expect(isOpenTime(t, i)).toBe(t === open);
      }),
      { numRuns: 2000 },
    );
  });

  it('fixed-length klines are exactly that long, and 1M klines 28 to 31 days', () => {
    fc.assert(
      fc.property(interval, time, (i, t) => {
        const open = openTimeOf(t, i);
        const length = nextOpenTime(open, i) - open;
        const fixed = intervalMs(i);
        if (fixed === undefined) expect([28, 29, 30, 31]).toContain(length / 86_400_000);
        else expect(length).toBe(fixed);
      }),
    );
  });

  it('nextOpenTime of any time in a kline is that kline’s successor', () => {
    fc.assert(
      fc.property(interval, time, (i, t) => {
        expect(nextOpenTime(t, i)).toBe(nextOpenTime(openTimeOf(t, i), i));
      }),
    );
  });

  it('an open time is also an open time of every fixed interval that divides its kline', () => {
    fc.assert(
      fc.property(interval, interval, time, (a, b, t) => {
        // Weeks are anchored 4 days after the epoch and months start at midnight, so both split into days.
        const la = intervalMs(a) ?? 86_400_000;
        const lb = intervalMs(b);
        if (lb === undefined || la % lb !== 0) return;
        expect(isOpenTime(openTimeOf(t, a), b)).toBe(true);
      }),
    );
  });
});
