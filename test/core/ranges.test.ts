import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containsRanges,
  formatRanges,
  holes,
  type IdRange,
  intersectRanges,
  isNormalized,
  normalizeRanges,
  parseRangesText,
  rangeSize,
  rangesEqual,
  rangesOverlap,
  subtractRanges,
  unionRanges,
} from '../../core/ranges.js';

// Reference model: a Set<number> over a small id universe.
const MAX_ID = 60;

function toSet(ranges: readonly IdRange[]): Set<number> {
  const s = new Set<number>();
  for (const [a, b] of ranges) for (let id = a; id <= b; id++) s.add(id);
  return s;
}

function toRanges(ids: Iterable<number>): IdRange[] {
  const sorted = [...new Set(ids)].sort((x, y) => x - y);
  const out: [number, number][] = [];
  for (const id of sorted) {
    const tail = out[out.length - 1];
    if (tail !== undefined && id === tail[1] + 1) tail[1] = id;
    else out.push([id, id]);
  }
  return out;
}

function sortedIds(s: Set<number>): number[] {
  return [...s].sort((x, y) => x - y);
}

/** Sorted, disjoint, non-adjacent, first <= last, non-negative safe integers. */
function refIsNormalized(ranges: readonly IdRange[]): boolean {
  return ranges.every(
    ([a, b], i) =>
      Number.isSafeInteger(a) &&
      Number.isSafeInteger(b) &&
      a >= 0 &&
      a <= b &&
      (i === 0 || a > ranges[i - 1]![1] + 1),
  );
}

/** Id sets of different shapes: sparse, dense, and a few long runs. */
const idSetArb: fc.Arbitrary<Set<number>> = fc.oneof(
  fc.uniqueArray(fc.integer({ min: 0, max: MAX_ID }), { maxLength: 12 }).map((xs) => new Set(xs)),
  fc
    .array(fc.boolean(), { minLength: MAX_ID + 1, maxLength: MAX_ID + 1 })
    .map((bits) => new Set(bits.flatMap((b, i) => (b ? [i] : [])))),
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: MAX_ID }), fc.integer({ min: 0, max: 20 })), { maxLength: 4 })
    .map((runs) => toSet(runs.map(([a, len]): IdRange => [a, Math.min(MAX_ID, a + len)]))),
);

const normalizedArb: fc.Arbitrary<IdRange[]> = idSetArb.map((s) => toRanges(s));

/** Any list of valid ranges: unsorted, overlapping, adjacent, repeated. */
const rawRangesArb: fc.Arbitrary<IdRange[]> = fc.array(
  fc
    .tuple(fc.integer({ min: 0, max: MAX_ID }), fc.integer({ min: 0, max: 12 }))
    .map(([a, len]): IdRange => [a, Math.min(MAX_ID, a + len)]),
  { maxLength: 10 },
);

const RUNS = { numRuns: 300 };

describe('normalizeRanges', () => {
  it('sorts and coalesces overlapping and adjacent ranges', () => {
    expect(normalizeRanges([])).toEqual([]);
    expect(
      normalizeRanges([
        [5, 7],
        [1, 2],
        [3, 4],
        [10, 10],
        [6, 9],
      ]),
    ).toEqual([[1, 10]]);
    expect(
      normalizeRanges([
        [1, 5],
        [2, 3],
        [7, 8],
        [1, 1],
      ]),
    ).toEqual([
      [1, 5],
      [7, 8],
    ]);
    expect(
      normalizeRanges([
        [3_000_000_010, 3_000_000_020],
        [3_000_000_000, 3_000_000_009],
      ]),
    ).toEqual([[3_000_000_000, 3_000_000_020]]);
  });

  it('keeps the set of ids, returns a normalized list, is idempotent and leaves its input alone (property)', () => {
    fc.assert(
      fc.property(rawRangesArb, (raw) => {
        const copy = structuredClone(raw);
        const n = normalizeRanges(raw);
        expect(raw).toEqual(copy);
        expect(refIsNormalized(n)).toBe(true);
        expect(isNormalized(n)).toBe(true);
        expect(n).toEqual(toRanges(toSet(raw)));
        expect(normalizeRanges(n)).toEqual(n);
      }),
      RUNS,
    );
  });
});

describe('isNormalized', () => {
  it('accepts exactly sorted, disjoint, non-adjacent lists of valid ranges', () => {
    expect(isNormalized([])).toBe(true);
    expect(
      isNormalized([
        [0, 0],
        [2, 5],
      ]),
    ).toBe(true);
    expect(
      isNormalized([
        [0, 1],
        [2, 5],
      ]),
    ).toBe(false); // adjacent
    expect(
      isNormalized([
        [3, 4],
        [0, 1],
      ]),
    ).toBe(false); // unsorted
    expect(isNormalized([[5, 4]])).toBe(false);
    expect(isNormalized([[-1, 4]])).toBe(false);
    expect(isNormalized([[1.5, 4]])).toBe(false);
    expect(isNormalized([[1, Number.MAX_SAFE_INTEGER + 1]])).toBe(false);
    expect(isNormalized([[1, Number.NaN]])).toBe(false);
  });

  it('agrees with a direct check on arbitrary lists (property)', () => {
    fc.assert(
      fc.property(rawRangesArb, (raw) => {
        expect(isNormalized(raw)).toBe(refIsNormalized(raw));
      }),
      RUNS,
    );
  });
});

describe('set operations against a Set<number> reference', () => {
  it('union, intersect and subtract (property)', () => {
    fc.assert(
      fc.property(normalizedArb, normalizedArb, (x, y) => {
        const sx = toSet(x);
        const sy = toSet(y);
        const union = unionRanges(x, y);
        const inter = intersectRanges(x, y);
        const diff = subtractRanges(x, y);
        for (const r of [union, inter, diff]) expect(refIsNormalized(r)).toBe(true);
        expect(union).toEqual(toRanges([...sx, ...sy]));
        expect(inter).toEqual(toRanges([...sx].filter((id) => sy.has(id))));
        expect(diff).toEqual(toRanges([...sx].filter((id) => !sy.has(id))));
      }),
      RUNS,
    );
  });

  it('contains, overlap, equality and size (property)', () => {
    fc.assert(
      fc.property(normalizedArb, normalizedArb, (x, y) => {
        const sx = toSet(x);
        const sy = toSet(y);
        expect(containsRanges(x, y)).toBe([...sy].every((id) => sx.has(id)));
        expect(containsRanges(y, x)).toBe([...sx].every((id) => sy.has(id)));
        expect(rangesOverlap(x, y)).toBe([...sx].some((id) => sy.has(id)));
        expect(rangesEqual(x, y)).toBe(sortedIds(sx).join() === sortedIds(sy).join());
        expect(rangesEqual(x, x)).toBe(true);
        expect(rangeSize(x)).toBe(sx.size);
      }),
      RUNS,
    );
  });

  it('holes are the missing ids between the first and the last (property)', () => {
    fc.assert(
      fc.property(normalizedArb, (x) => {
        const s = toSet(x);
        const ids = sortedIds(s);
        const missing: number[] = [];
        if (ids.length > 0)
          for (let id = ids[0]!; id <= ids[ids.length - 1]!; id++) if (!s.has(id)) missing.push(id);
        expect(holes(x)).toEqual(toRanges(missing));
        // The holes and the ranges together fill the span exactly.
        if (x.length > 0) expect(unionRanges(x, holes(x))).toEqual([[x[0]![0], x[x.length - 1]![1]]]);
      }),
      RUNS,
    );
  });

  it('handles the edge cases by hand', () => {
    const x: IdRange[] = [
      [1, 3],
      [5, 9],
      [20, 20],
    ];
    expect(unionRanges(x, [])).toEqual(x);
    expect(unionRanges([], x)).toEqual(x);
    expect(unionRanges(x, [[4, 4]])).toEqual([
      [1, 9],
      [20, 20],
    ]);
    expect(intersectRanges(x, [])).toEqual([]);
    expect(intersectRanges(x, [[0, 100]])).toEqual(x);
    expect(intersectRanges(x, [[3, 5]])).toEqual([
      [3, 3],
      [5, 5],
    ]);
    expect(subtractRanges(x, [[2, 21]])).toEqual([[1, 1]]);
    expect(subtractRanges(x, [[6, 7]])).toEqual([
      [1, 3],
      [5, 5],
      [8, 9],
      [20, 20],
    ]);
    // One range of y reaching over several ranges of x.
    expect(
      subtractRanges(
        [
          [0, 2],
          [4, 6],
          [8, 10],
        ],
        [
          [1, 9],
          [12, 13],
        ],
      ),
    ).toEqual([
      [0, 0],
      [10, 10],
    ]);
    expect(subtractRanges([], x)).toEqual([]);
    expect(containsRanges(x, [])).toBe(true);
    expect(containsRanges([], [])).toBe(true);
    expect(containsRanges([], [[1, 1]])).toBe(false);
    expect(rangesOverlap(x, [[4, 4]])).toBe(false);
    expect(rangesOverlap(x, [[4, 5]])).toBe(true);
    expect(holes([])).toEqual([]);
    expect(holes([[1, 5]])).toEqual([]);
    expect(holes(x)).toEqual([
      [4, 4],
      [10, 19],
    ]);
    expect(rangeSize([])).toBe(0);
    expect(rangeSize(x)).toBe(9);
    expect(rangeSize([[3_000_000_000, 3_000_999_999]])).toBe(1_000_000);
  });
});

describe('text form', () => {
  it('formats compactly', () => {
    expect(formatRanges([])).toBe('');
    expect(
      formatRanges([
        [1, 3],
        [5, 5],
        [7, 9],
      ]),
    ).toBe('1-3,5,7-9');
    expect(formatRanges([[3_512_345_678, 3_512_349_999]])).toBe('3512345678-3512349999');
  });

  it('parses its own output back (property)', () => {
    fc.assert(
      fc.property(normalizedArb, (x) => {
        const text = formatRanges(x);
        expect(text).toMatch(/^(\d+(-\d+)?(,\d+(-\d+)?)*)?$/);
        expect(parseRangesText(text)).toEqual(x);
      }),
      RUNS,
    );
  });

  it('parses the text of any list only when that list is normalized (property)', () => {
    fc.assert(
      fc.property(rawRangesArb, (raw) => {
        expect(parseRangesText(formatRanges(raw))).toEqual(refIsNormalized(raw) ? raw : undefined);
      }),
      RUNS,
    );
  });

  it('rejects malformed or non-normalized text', () => {
    expect(parseRangesText('')).toEqual([]);
    expect(parseRangesText('7')).toEqual([[7, 7]]);
    expect(parseRangesText('100-250,252-260')).toEqual([
      [100, 250],
      [252, 260],
    ]);
    for (const bad of [
      '3,1', // unsorted
      '1-3,4', // adjacent
      '1-3,2-5', // overlapping
      '5-3', // reversed
      'a',
      '1-',
      '-1',
      '1,,2',
      ',1',
      '1,',
      ' 1',
      '1 ',
      '1.5',
      '1-2-3',
      '9007199254740993', // beyond the safe integers
    ]) {
      expect(parseRangesText(bad), bad).toBeUndefined();
    }
  });
});
