import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloudError } from '../../clouds/errors.js';
import {
  type BatchMeta,
  decodeMessageBody,
  messageBytes,
  spoolCodec,
  toOutboundMessage,
} from '../../clouds/message.js';
import type { OutboundMessage } from '../../clouds/ports.js';
import type { TradeParseError } from '../../core/errors.js';
import { syntheticTrades } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import { batchBody, decodeBatch, tradeEntry, type WireBatch } from '../../core/wire.js';
import { catchError } from '../support/errors.js';

interface Sample {
  readonly batch: WireBatch;
  readonly body: string;
  readonly meta: BatchMeta;
}

function sample(count: number, options: { seed?: number; startId?: number; symbol?: string } = {}): Sample {
  const trades: Trade[] = [...syntheticTrades(count, options)];
  const first = trades[0]!;
  const last = trades.at(-1)!;
  const batch: WireBatch = {
    market: 'spot',
    symbol: first.symbol,
    firstId: first.id,
    lastId: last.id,
    trades,
  };
  const body = batchBody('spot', first.symbol, first.id, last.id, trades.map(tradeEntry));
  const meta = { symbol: first.symbol, firstId: first.id, lastId: last.id, trades: count, receivedAt: 1_000 };
  return { batch, body, meta };
}

function cloudErrorOf(fn: () => unknown): CloudError {
  return catchError(fn, CloudError);
}

describe('toOutboundMessage', () => {
  it('sends a body under the threshold as it is, with no attributes', async () => {
    const { body, meta } = sample(3);

    const m = await toOutboundMessage(body, meta, { gzipMinBytes: Buffer.byteLength(body) + 1 });

    expect(m).toEqual({ ...meta, body, attributes: {}, bytes: Buffer.byteLength(body) });
  });

  it('gzips and base64-encodes a body at the threshold and counts the attribute in bytes', async () => {
    const { batch, body, meta } = sample(400);

    const m = await toOutboundMessage(body, meta, { gzipMinBytes: Buffer.byteLength(body) });

    expect(m.attributes).toEqual({ contentEncoding: 'gzip' });
    expect(m.body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(m.bytes).toBe(m.body.length + 'contentEncoding'.length + 'gzip'.length);
    // Trade JSON compresses several times over, even at the fast level.
    expect(m.bytes * 4).toBeLessThan(Buffer.byteLength(body));
    expect(decodeMessageBody(m.body, m.attributes)).toEqual(batch);
  });

  it('counts non-ASCII symbols and attributes in UTF-8 bytes', () => {
    expect(messageBytes('币安', { é: 'ü' })).toBe(6 + 2 + 2);
  });

  it('round-trips any run of consecutive trades, gzipped or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.constantFrom('BTCUSDT', 'ETHBTC', '币安人生USDT'),
        fc.integer({ min: 0, max: 40_000 }),
        async (count, seed, startId, symbol, gzipMinBytes) => {
          const { batch, body, meta } = sample(count, { seed, startId, symbol });

          const m = await toOutboundMessage(body, meta, { gzipMinBytes });
          const back = decodeMessageBody(m.body, m.attributes);

          expect(back).toEqual(batch);
          expect(back).toEqual(decodeBatch(body));
          expect(m.attributes.contentEncoding === 'gzip').toBe(Buffer.byteLength(body) >= gzipMinBytes);
          expect(m.bytes).toBe(messageBytes(m.body, m.attributes));
          expect([m.symbol, m.firstId, m.lastId, m.trades]).toEqual([
            symbol,
            startId,
            startId + count - 1,
            count,
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('decodeMessageBody errors', () => {
  const { body } = sample(20);
  const gzipped = gzipSync(Buffer.from(body)).toString('base64');

  it('accepts an undefined or empty contentEncoding as plain JSON', () => {
    expect(decodeMessageBody(body, { contentEncoding: undefined }).trades).toHaveLength(20);
    expect(decodeMessageBody(body, { contentEncoding: '' }).trades).toHaveLength(20);
  });

  it('refuses a gzip body that is not base64, naming contentEncoding', () => {
    for (const bad of [`${gzipped.slice(0, -4)}!!!!`, gzipped.slice(1), body]) {
      const err = cloudErrorOf(() => decodeMessageBody(bad, { contentEncoding: 'gzip' }));
      expect(err.code).toBe('BAD_MESSAGE');
      expect(err.retryable).toBe(false);
      expect(err.message).toBe('contentEncoding is gzip but the body is not valid base64');
    }
  });

  it('refuses base64 that is not gzip, or gzip cut short', () => {
    const notGzip = Buffer.from(body).toString('base64');
    const cut = gzipSync(Buffer.from(body)).subarray(0, 40).toString('base64');
    for (const bad of [notGzip, cut]) {
      const err = cloudErrorOf(() => decodeMessageBody(bad, { contentEncoding: 'gzip' }));
      expect(err.message).toBe('contentEncoding is gzip but the body is not valid gzip');
      expect(err.cause).toBeInstanceOf(Error);
    }
  });

  it('refuses a body that inflates past the limit', () => {
    const bomb = gzipSync(Buffer.alloc(1_000_000, 0x20)).toString('base64');
    const err = cloudErrorOf(() =>
      decodeMessageBody(bomb, { contentEncoding: 'gzip' }, { maxDecodedBytes: 1000 }),
    );
    expect(err.message).toBe('contentEncoding is gzip but the body inflates past 1000 bytes');
  });

  it('refuses gzip of bytes that are not UTF-8', () => {
    const bad = gzipSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).toString('base64');
    const err = cloudErrorOf(() => decodeMessageBody(bad, { contentEncoding: 'gzip' }));
    expect(err.message).toContain('not UTF-8');
  });

  it('refuses an unknown contentEncoding', () => {
    const err = cloudErrorOf(() => decodeMessageBody(gzipped, { contentEncoding: 'br' }));
    expect(err.code).toBe('BAD_MESSAGE');
    expect(err.message).toBe('unknown contentEncoding "br"; expected "gzip" or none');
  });

  it('passes the batch field of a bad body on, with the core error as cause', () => {
    const broken = body.replace('"v":1', '"v":2');
    const zipped = gzipSync(Buffer.from(broken)).toString('base64');
    for (const [text, attributes] of [
      [broken, {}],
      [zipped, { contentEncoding: 'gzip' }],
    ] as const) {
      const err = cloudErrorOf(() => decodeMessageBody(text, attributes));
      expect(err.code).toBe('BAD_MESSAGE');
      expect(err.message).toContain('field v = 2');
      expect((err.cause as TradeParseError).field).toBe('v');
    }
  });
});

describe('spoolCodec', () => {
  async function message(count: number, gzipMinBytes: number, symbol = 'BTCUSDT'): Promise<OutboundMessage> {
    const { body, meta } = sample(count, { symbol });
    return toOutboundMessage(body, { ...meta, receivedAt: 1_723_161_300_123 }, { gzipMinBytes });
  }

  it('round-trips plain and gzipped messages', async () => {
    for (const m of [
      await message(5, Infinity),
      await message(300, 0),
      await message(2, Infinity, '币安USDT'),
    ]) {
      const record = spoolCodec.encodeOutbound(m);
      expect(spoolCodec.decodeOutbound(record)).toEqual(m);
    }
  });

  it('round-trips any message fields', () => {
    const messages = fc.record({
      body: fc.string({ unit: 'binary', maxLength: 300 }),
      attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 })),
      symbol: fc.string({ minLength: 1, maxLength: 12 }),
      firstId: fc.integer({ min: 0, max: 2 ** 50 }),
      span: fc.integer({ min: 0, max: 1000 }),
      trades: fc.integer({ min: 1, max: 1000 }),
      bytes: fc.nat(),
      receivedAt: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    fc.assert(
      fc.property(messages, ({ span, ...r }) => {
        const m: OutboundMessage = { ...r, lastId: r.firstId + span };
        expect(spoolCodec.decodeOutbound(spoolCodec.encodeOutbound(m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses truncated, damaged or malformed records', async () => {
    const record = spoolCodec.encodeOutbound(await message(50, 0));
    const headerEnd = record.indexOf(0x0a);
    const flipped = Buffer.from(record);
    flipped[record.length - 3] = flipped[record.length - 3]! ^ 0x01;
    const header = (patch: Record<string, unknown>) => {
      const h = { ...JSON.parse(record.subarray(0, headerEnd).toString()), ...patch };
      return Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), record.subarray(headerEnd + 1)]);
    };
    const cases: [Buffer, string][] = [
      [record.subarray(0, record.length - 1), 'header says'],
      [Buffer.concat([record, Buffer.from('x')]), 'header says'],
      [flipped, 'checksum'],
      [record.subarray(0, headerEnd), 'no header line'],
      [Buffer.from('garbage\nbody'), 'header is not JSON'],
      [Buffer.from('[1]\nbody'), 'header is not an object'],
      [header({ v: 2 }), 'unsupported version 2'],
      [header({ firstId: '1' }), 'firstId'],
      [header({ lastId: 0 }), 'lastId is below firstId'],
      [header({ trades: -1 }), 'trades'],
      [header({ receivedAt: null }), 'receivedAt'],
      [header({ symbol: '' }), 'symbol'],
      [header({ attributes: { contentEncoding: 1 } }), 'attributes'],
      [header({ attributes: null }), 'attributes'],
    ];
    for (const [bad, why] of cases) {
      const err = cloudErrorOf(() => spoolCodec.decodeOutbound(bad));
      expect(err.code, why).toBe('BAD_MESSAGE');
      expect(err.message, why).toContain(why);
      expect(err.message.startsWith('spool record: ')).toBe(true);
    }
  });
});
