/**
 * Exact decimal arithmetic for prices and quantities.
 *
 * Binance prints spot prices and quantities with at most 8 fractional digits, so a value is held as
 * an integer count of 1e-8 units: a JS number while it is a safe integer (the common case, and the
 * fast one) and a bigint beyond that. A price times a quantity is an integer count of 1e-16 units.
 * No value ever passes through a binary fraction: every number here holds an integer, and every
 * operation on numbers is either exact by construction or checked and moved to bigint.
 */
import { CoreError } from './errors.js';

/** Fractional digits of prices and quantities. */
export const SCALE = 8;
/** Fractional digits of a price times a quantity. */
export const PRODUCT_SCALE = 16;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** An exact count of 1e-8 units: a number when it is a safe integer, else a bigint. */
export type Units = number | bigint;

/**
 * Parses a non-negative decimal string ("61837.63000000", "0.001", "5") into 1e-8 units.
 * Rejects signs, exponents, empty parts and any non-zero digit beyond the 8th fractional place,
 * because rounding it away would silently change the value.
 */
export function parseUnits(text: string, field = 'value'): Units {
  const n = text.length;
  let value = 0;
  let digits = 0;
  let frac = -1; // digits seen after the point, -1 before it
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (frac >= 0 || digits === 0) throw badDecimal(field, text);
      frac = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) throw badDecimal(field, text);
    digits++;
    if (frac >= 0) {
      if (frac === SCALE) {
        if (d !== 0)
          throw new CoreError(
            'BAD_DECIMAL',
            `${field} has more than ${SCALE} fractional digits: ${JSON.stringify(text)}`,
          );
        continue;
      }
      frac++;
    }
    value = value * 10 + d;
    // Exact while the result stays a safe integer; the first step past it may have rounded.
    if (value > MAX_SAFE) return parseUnitsBig(text, field);
  }
  if (digits === 0 || frac === 0) throw badDecimal(field, text);
  const pad = SCALE - (frac < 0 ? 0 : frac);
  for (let k = 0; k < pad; k++) {
    value *= 10;
    if (value > MAX_SAFE) return parseUnitsBig(text, field);
  }
  return value;
}

// The last few decimals parsed. A frame's price and quantity are validated by the parser and then
// summed by the candle builder, and trades in a burst repeat them: each is parsed once.
const CACHE_SIZE = 4;
const cachedText: string[] = ['', '', '', ''];
const cachedUnits: Units[] = [0, 0, 0, 0];
let cacheNext = 0;

/** Records the units of a string a caller has already parsed with the same rules as parseUnits. */
export function rememberUnits(text: string, units: number): void {
  cachedText[cacheNext] = text;
  cachedUnits[cacheNext] = units;
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
}

/** parseUnits with a small cache of recent strings; same results, same errors. */
export function unitsOf(text: string, field = 'value'): Units {
  // Newest first: the builder asks for the price and quantity the parser has just stored.
  for (let n = 1; n <= CACHE_SIZE; n++) {
    const i = (cacheNext - n + CACHE_SIZE) % CACHE_SIZE;
    if (cachedText[i] === text && text !== '') return cachedUnits[i]!;
  }
  const units = parseUnits(text, field);
  cachedText[cacheNext] = text;
  cachedUnits[cacheNext] = units;
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
  return units;
}

function parseUnitsBig(text: string, field: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!m) throw badDecimal(field, text);
  const frac = m[2] ?? '';
  if (/[1-9]/.test(frac.slice(SCALE))) {
    throw new CoreError(
      'BAD_DECIMAL',
      `${field} has more than ${SCALE} fractional digits: ${JSON.stringify(text)}`,
    );
  }
  return BigInt(m[1]! + frac.slice(0, SCALE).padEnd(SCALE, '0'));
}

function badDecimal(field: string, text: string): CoreError {
  return new CoreError(
    'BAD_DECIMAL',
    `${field} is not a plain non-negative decimal: ${JSON.stringify(text)}`,
  );
}

/** Parses a decimal string into bigint units of 10^-scale (used for stored records). */
export function parseScaled(text: string, scale: number, field = 'value'): bigint {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!m) throw badDecimal(field, text);
  const frac = m[3] ?? '';
  const kept = frac.slice(scale);
  if (/[1-9]/.test(kept)) {
    throw new CoreError(
      'BAD_DECIMAL',
      `${field} has more than ${scale} fractional digits: ${JSON.stringify(text)}`,
    );
  }
  const units = BigInt(m[2]! + frac.slice(0, scale).padEnd(scale, '0'));
  return m[1] === '-' ? -units : units;
}

const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/**
 * Formats `units` of 10^-scale as a decimal string with exactly `digits` fractional digits.
 * When `digits` is below `scale` the extra digits are truncated toward zero.
 */
export function formatScaled(units: Units, scale: number, digits: number = scale): string {
  let v = typeof units === 'bigint' ? units : BigInt(units);
  const negative = v < 0n;
  if (negative) v = -v;
  if (digits < scale) v /= POW10[scale - digits]!;
  else if (digits > scale) v *= POW10[digits - scale]!;
  const s = v.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  return negative && v !== 0n ? `-${body}` : body;
}

/** Formats 1e-8 units the way Binance prints klines: 8 fractional digits. */
export function formatUnits(units: Units): string {
  return formatScaled(units, SCALE, SCALE);
}

/** The canonical short form of a decimal: no trailing fractional zeros ("61837.63", "0.001", "5"). */
export function canonicalDecimal(units: Units, scale: number = SCALE): string {
  const full = formatScaled(units, scale, scale);
  if (scale === 0) return full;
  const trimmed = full.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

export function toBigInt(units: Units): bigint {
  return typeof units === 'bigint' ? units : BigInt(units);
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's constant for binary64
/**
 * Bound on the running total and on a single product kept in doubles. Below 2^96 every error term is
 * below 2^44 and their sum below 2^46, far inside the 2^53 where doubles hold every integer.
 */
const PAIR_LIMIT = 2 ** 96;

/**
 * An exact running sum of non-negative integers and of products of two non-negative safe integers.
 *
 * Products are split exactly into a double and its rounding error (Dekker's two-product), and the
 * running total is kept as an unevaluated pair hi + lo (Knuth's two-sum), renormalised after each
 * step. Every term is an integer; while the total and each product stay below 2^96 the error terms
 * are integers below 2^44 and every operation is exact. A larger product goes straight to the
 * bigint, and a larger total spills into it.
 */
export class ExactSum {
  private hi = 0;
  private lo = 0;
  private big = 0n;

  /** Adds a * b where a and b are non-negative safe integers. */
  addProduct(a: number, b: number): void {
    const p = a * b;
    if (p >= PAIR_LIMIT) {
      this.big += BigInt(a) * BigInt(b);
      return;
    }
    let t = SPLITTER * a;
    const ah = t - (t - a);
    const al = a - ah;
    t = SPLITTER * b;
    const bh = t - (t - b);
    const bl = b - bh;
    const e = ah * bh - p + ah * bl + al * bh + al * bl;
    this.addPair(p, e);
  }

  /** Adds a non-negative safe integer. */
  add(x: number): void {
    this.addPair(x, 0);
  }

  /** Adds an exact bigint (the slow path for values beyond the safe range). */
  addBig(x: bigint): void {
    this.big += x;
  }

  /** Adds a * b for values of any representation. */
  addProductUnits(a: Units, b: Units): void {
    if (typeof a === 'number' && typeof b === 'number') this.addProduct(a, b);
    else this.big += toBigInt(a) * toBigInt(b);
  }

  private addPair(p: number, e: number): void {
    const hi = this.hi;
    const s = hi + p;
    const bb = s - hi;
    const err = hi - (s - bb) + (p - bb);
    const t = this.lo + e + err;
    const h = s + t;
    this.lo = t - (h - s);
    this.hi = h;
    if (h >= PAIR_LIMIT) this.spill();
  }

  private spill(): void {
    this.big += BigInt(this.hi) + BigInt(this.lo);
    this.hi = 0;
    this.lo = 0;
  }

  /** The exact total. */
  value(): bigint {
    return this.big + BigInt(this.hi) + BigInt(this.lo);
  }
}
