/**
 * The Firestore stand-in's data model on its own, where exact answers are easiest to state: field
 * path syntax, Firestore's string and number ordering, document sizes, and the transform rules
 * for mixed number types.
 */
import { describe, expect, it } from 'vitest';
import { formatFieldPath, parseFieldPath } from '../../localcloud/firestore/fields.js';
import { compareUtf8 } from '../../localcloud/firestore/names.js';
import { compareValues } from '../../localcloud/firestore/order.js';
import { documentSize } from '../../localcloud/firestore/size.js';
import { applyTransforms, type Transform } from '../../localcloud/firestore/transforms.js';
import { double, type Fields, integer, type Value } from '../../localcloud/firestore/values.js';

const str = (value: string): Value => ({ type: 'string', value });

describe('Firestore stand-in data model', () => {
  it('parses and formats field paths with backtick quoting and escapes', () => {
    expect(parseFieldPath('a.b_1.C')).toEqual(['a', 'b_1', 'C']);
    expect(parseFieldPath('`x.y`.`back\\`tick`.z')).toEqual(['x.y', 'back`tick', 'z']);
    expect(formatFieldPath(['x.y', 'ok', 'héllo', 'a\\b'])).toBe('`x.y`.ok.`héllo`.`a\\\\b`');
    for (const bad of ['', 'a.', '.a', 'a..b', '`open', 'has space', '1abc']) {
      expect(() => parseFieldPath(bad), bad).toThrow();
    }
  });

  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E sorts after U+1F600 in UTF-16 units but before it in UTF-8.
    expect(compareUtf8('\uFF5E', '😀')).toBeLessThan(0);
    expect(compareUtf8('a', 'ab')).toBeLessThan(0);
    expect(compareValues(str('é'), str('z'))).toBeGreaterThan(0);
  });

  it('compares integers and doubles exactly, with NaN first', () => {
    const big = integer(9007199254740993n);
    expect(compareValues(big, double(9007199254740992))).toBeGreaterThan(0);
    expect(compareValues(integer(3n), double(3))).toBe(0);
    expect(compareValues(integer(-2n), double(-1.5))).toBeLessThan(0);
    expect(compareValues(double(Number.NaN), integer(-(2n ** 63n)))).toBeLessThan(0);
    expect(compareValues(double(Number.POSITIVE_INFINITY), integer(2n ** 63n - 1n))).toBeGreaterThan(0);
  });

  it('sizes documents as the service documents it', () => {
    const fields: Fields = new Map<string, Value>([
      ['type', str('Personal')],
      ['done', { type: 'boolean', value: false }],
      ['priority', integer(1n)],
      ['description', str('Learn Cloud Firestore')],
    ]);
    // The worked example for a document named users/jeff/tasks/my_task_id.
    expect(documentSize('users/jeff/tasks/my_task_id', fields)).toBe(147);
  });

  it('keeps the stored value for equivalent maximums and takes the larger operand type otherwise', () => {
    const run = (stored: Value, t: Transform) =>
      applyTransforms(new Map([['f', stored]]), [t], 0).fields.get('f');
    expect(run(integer(3n), { path: ['f'], kind: 'maximum', operand: double(3) })).toEqual(integer(3n));
    expect(run(integer(3n), { path: ['f'], kind: 'maximum', operand: double(3.5) })).toEqual(double(3.5));
    expect(run(double(2.5), { path: ['f'], kind: 'minimum', operand: integer(2n) })).toEqual(integer(2n));
    expect(run(integer(2n ** 63n - 2n), { path: ['f'], kind: 'increment', operand: integer(5n) })).toEqual(
      integer(2n ** 63n - 1n),
    );
    expect(run(integer(1n), { path: ['f'], kind: 'increment', operand: double(0.5) })).toEqual(double(1.5));
  });
});
