/**
 * Sets of trade ids as sorted, disjoint, non-adjacent inclusive ranges.
 *
 * Binance trade ids are consecutive per symbol, so the trades a candle covers are a few ranges
 * (usually one). Every function takes and returns normalized range lists.
 */

/** Inclusive range of trade ids `[first, last]`. */
export type IdRange = readonly [first: number, last: number];

/** Sorts and coalesces any list of ranges (overlapping or adjacent ones merge). */
export function normalizeRanges(ranges: readonly IdRange[]): IdRange[] {
  if (ranges.length === 0) return [];
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1] + 1) {
      if (b > last[1]) last[1] = b;
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

/** True when the list is sorted, disjoint, non-adjacent and every range has first <= last. */
export function isNormalized(ranges: readonly IdRange[]): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const [a, b] = ranges[i]!;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < a) return false;
    if (i > 0 && a <= ranges[i - 1]![1] + 1) return false;
  }
  return true;
}

export function unionRanges(x: readonly IdRange[], y: readonly IdRange[]): IdRange[] {
  return normalizeRanges([...x, ...y]);
}

/** The ids in both lists. */
export function intersectRanges(x: readonly IdRange[], y: readonly IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const [a1, b1] = x[i]!;
    const [a2, b2] = y[j]!;
    const lo = Math.max(a1, a2);
    const hi = Math.min(b1, b2);
    if (lo <= hi) out.push([lo, hi]);
    if (b1 < b2) i++;
    else j++;
  }
  return out;
}

/** The ids in x that are not in y. */
export function subtractRanges(x: readonly IdRange[], y: readonly IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  let j = 0;
  for (const [a, b] of x) {
    let start = a;
    while (j < y.length && y[j]![1] < start) j++;
    let k = j;
    while (k < y.length && y[k]![0] <= b) {
      const [c, d] = y[k]!;
      if (c > start) out.push([start, c - 1]);
      start = Math.max(start, d + 1);
      k++;
    }
    if (start <= b) out.push([start, b]);
  }
  return out;
}

export function rangesEqual(x: readonly IdRange[], y: readonly IdRange[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]![0] !== y[i]![0] || x[i]![1] !== y[i]![1]) return false;
  }
  return true;
}

/** True when every id of `inner` is in `outer`. */
export function containsRanges(outer: readonly IdRange[], inner: readonly IdRange[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

export function rangesOverlap(x: readonly IdRange[], y: readonly IdRange[]): boolean {
  return intersectRanges(x, y).length > 0;
}

/** Number of ids in the list. */
export function rangeSize(ranges: readonly IdRange[]): number {
  let n = 0;
  for (const [a, b] of ranges) n += b - a + 1;
  return n;
}

/** The holes between the first and the last id of the list. */
export function holes(ranges: readonly IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  for (let i = 1; i < ranges.length; i++) out.push([ranges[i - 1]![1] + 1, ranges[i]![0] - 1]);
  return out;
}

/** Compact text form, e.g. "100-250,252-260"; the inverse of parseRangesText. */
export function formatRanges(ranges: readonly IdRange[]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

/** Parses the text form; returns undefined when it is not a normalized list. */
export function parseRangesText(text: string): IdRange[] | undefined {
  if (text === '') return [];
  const out: IdRange[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    out.push([a, m[2] === undefined ? a : Number(m[2])]);
  }
  return isNormalized(out) ? out : undefined;
}
