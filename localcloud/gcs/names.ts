/**
 * Object names in the order the service lists them: by UTF-8 bytes, which is code point order.
 * JavaScript compares UTF-16 code units, which differs for characters above U+FFFF (surrogate
 * pairs) against U+E000–U+FFFF; this comparison moves the surrogates above those.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Index of the first name in the sorted `names` that is not below `name`. */
export function lowerBound(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(names[mid]!, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
