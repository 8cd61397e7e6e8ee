import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRecordedLine, parseRecordedLine } from '../../../core/parse/recorded.js';
import { parseErrorOf } from '../../support/errors.js';
import { COMBINED_TRADE as FRAME } from '../../support/frames.js';

describe('parseRecordedLine', () => {
  it('reads a millisecond timestamp (13 digits)', () => {
    // Act
    const rec = parseRecordedLine(`1723161254087 ${FRAME}`);

    // Assess
    expect(rec).toStrictEqual({ receivedAt: 1723161254087, frame: FRAME });
  });

  it('floors a microsecond timestamp (16 digits) to the millisecond', () => {
    const rec = parseRecordedLine(`1723161254087999 ${FRAME}`);

    expect(rec).toStrictEqual({ receivedAt: 1723161254087, frame: FRAME });
  });

  it('floors a nanosecond timestamp (19 digits) to the millisecond', () => {
    const rec = parseRecordedLine(`1723161254087896568 ${FRAME}`);

    expect(rec).toStrictEqual({ receivedAt: 1723161254087, frame: FRAME });
  });

  it('keeps everything after the first space as the frame, spaces included', () => {
    const frame = '{"result": null, "id": 1}';

    const rec = parseRecordedLine(`1723161254087 ${frame}`);

    expect(rec.frame).toBe(frame);
  });

  it('keeps an empty frame empty', () => {
    expect(parseRecordedLine('1723161254087 ')).toStrictEqual({ receivedAt: 1723161254087, frame: '' });
  });

  it.each([
    ['a timestamp without a space', '1723161254087', '"1723161254087"'],
    ['a line starting with a space', ` ${FRAME}`, '""'],
    ['a signed timestamp', `-1723161254087 ${FRAME}`, '"-1723161254087"'],
    ['a fractional timestamp', `1723161254.087 ${FRAME}`, '"1723161254.087"'],
    ['a timestamp of more than 19 digits', `17231612540878965681 ${FRAME}`, '"17231612540878965681"'],
    ['an empty line', '', '""'],
  ])('rejects %s, naming the timestamp field', (_name, line, shown) => {
    const err = parseErrorOf(() => parseRecordedLine(line));

    expect(err.field).toBe('timestamp');
    expect(err.code).toBe('BAD_RECORD');
    expect(err.value).toBe(shown);
  });

  it('rejects a frame without a timestamp, naming the timestamp field', () => {
    const err = parseErrorOf(() => parseRecordedLine(FRAME));

    expect(err.field).toBe('timestamp');
    expect(err.message).toMatch(/^recorded line does not start with a receive timestamp: field timestamp = /);
  });
});

describe('formatRecordedLine', () => {
  it('writes the timestamp, one space and the frame', () => {
    expect(formatRecordedLine(1723161254087, FRAME)).toBe(`1723161254087 ${FRAME}`);
  });

  it('round-trips through parseRecordedLine', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999_999_999_999 }),
        fc.string({ maxLength: 60 }),
        (receivedAt, frame) => {
          const line = formatRecordedLine(receivedAt, frame);

          const rec = parseRecordedLine(line);

          expect(rec).toStrictEqual({ receivedAt, frame });
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
