/**
 * The Binance stand-in's REST side: historicalTrades and aggTrades served from the trade history
 * with exact decimals and Binance's paging rules, Binance's parameter errors, the request weight
 * per minute window, and injected 429/418/500 answers. The clock is injected, so the weight window
 * does not roll over mid-test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseHistoricalTrades } from '../../core/parse/rest.js';
import {
  type BinanceOptions,
  type Fill,
  type RunningBinance,
  startBinance,
} from '../../localcloud/binance/binance.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 10);
let clock = T0;
const running: RunningBinance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
  clock = T0;
});

async function start(options: Partial<BinanceOptions> = {}): Promise<RunningBinance> {
  const b = await startBinance({
    symbols: ['BTCUSDT'],
    startIds: { BTCUSDT: 500 },
    now: () => clock,
    ...options,
  });
  running.push(b);
  return b;
}

async function get(b: RunningBinance, pathAndQuery: string) {
  const res = await fetch(`${b.restUrl}${pathAndQuery}`);
  return {
    status: res.status,
    weight: res.headers.get('x-mbx-used-weight-1m'),
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
}

const fill = (price: string, qty: string, buyerIsMaker: boolean, time: number): Fill => ({
  price,
  qty,
  buyerIsMaker,
  time,
});

// Groups: [500, 501] (0.1 + 0.2, which floats get wrong), [502] other side, [503] other price,
// [504, 505] one millisecond later.
const FILLS = [
  fill('100', '0.1', false, T0),
  fill('100', '0.2', false, T0),
  fill('100', '0.3', true, T0),
  fill('101.5', '0.00000001', true, T0),
  fill('101.5', '0.1', true, T0 + 1),
  fill('101.5', '0.7', true, T0 + 1),
];

describe('Binance stand-in REST', () => {
  it('serves historicalTrades from the history with exact quoteQty and Binance paging', async () => {
    const b = await start();
    b.publish('BTCUSDT', FILLS);
    b.generate('BTCUSDT', 1200);

    const page = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=501&limit=3');
    const recent = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT&limit=2');
    const capped = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=0&limit=5000');
    const beyond = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=9999');

    expect(page.body).toEqual([
      {
        id: 501,
        price: '100.00000000',
        qty: '0.20000000',
        quoteQty: '20',
        time: T0,
        isBuyerMaker: false,
        isBestMatch: true,
      },
      {
        id: 502,
        price: '100.00000000',
        qty: '0.30000000',
        quoteQty: '30',
        time: T0,
        isBuyerMaker: true,
        isBestMatch: true,
      },
      {
        id: 503,
        price: '101.50000000',
        qty: '0.00000001',
        quoteQty: '0.000001015',
        time: T0,
        isBuyerMaker: true,
        isBestMatch: true,
      },
    ]);
    expect(parseHistoricalTrades(recent.body, 'BTCUSDT').trades).toEqual(b.history('BTCUSDT').slice(-2));
    expect((capped.body as { id: number }[]).map((t) => t.id)).toEqual(
      Array.from({ length: 1000 }, (_, i) => 500 + i),
    );
    expect(beyond.body).toEqual([]);
  });

  it('groups aggTrades by price, side and time and sums quantities exactly', async () => {
    const b = await start();
    b.publish('BTCUSDT', FILLS);

    const all = await get(b, '/api/v3/aggTrades?symbol=BTCUSDT');

    expect(all.body).toEqual([
      { a: 1, p: '100.00000000', q: '0.30000000', f: 500, l: 501, T: T0, m: false, M: true },
      { a: 2, p: '100.00000000', q: '0.30000000', f: 502, l: 502, T: T0, m: true, M: true },
      { a: 3, p: '101.50000000', q: '0.00000001', f: 503, l: 503, T: T0, m: true, M: true },
      { a: 4, p: '101.50000000', q: '0.80000000', f: 504, l: 505, T: T0 + 1, m: true, M: true },
    ]);
  });

  it('selects aggTrades by fromId, inclusive time bounds and limit, refusing windows of an hour or more', async () => {
    const b = await start();
    b.publish('BTCUSDT', FILLS);
    const ids = async (query: string) =>
      ((await get(b, `/api/v3/aggTrades?symbol=BTCUSDT&${query}`)).body as { a: number }[]).map((r) => r.a);

    expect(await ids('fromId=2&limit=2')).toEqual([2, 3]);
    expect(await ids(`startTime=${T0 + 1}&endTime=${T0 + 1}`)).toEqual([4]);
    expect(await ids(`startTime=${T0}&endTime=${T0}&limit=2`)).toEqual([1, 2]);
    expect(await ids(`endTime=${T0}&limit=2`)).toEqual([2, 3]);
    expect(await ids(`startTime=${T0 - 3_599_999}&endTime=${T0}`)).toEqual([1, 2, 3]);
    expect(await ids('limit=1')).toEqual([4]);
    const wide = await get(b, `/api/v3/aggTrades?symbol=BTCUSDT&startTime=${T0}&endTime=${T0 + 3_600_000}`);
    expect(wide).toMatchObject({ status: 400, body: { code: -1127 } });
  });

  it('refuses explicit trades Binance could not print, leaving the history as it was', async () => {
    const b = await start();
    b.publish('BTCUSDT', [fill('100', '1', false, T0 + 5)]);

    expect(() =>
      b.publish('BTCUSDT', [fill('100', '1', false, T0 + 6), fill('100', '1', false, T0)]),
    ).toThrow(expect.objectContaining({ code: 'BAD_TRADE' }));
    expect(() => b.publish('BTCUSDT', [fill('1.000000001', '1', false, T0 + 6)])).toThrow(
      expect.objectContaining({ code: 'BAD_TRADE' }),
    );
    expect(() => b.generate('DOGEUSDT', 1)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }));
    expect(b.history('BTCUSDT').map((t) => t.id)).toEqual([500]);
    expect(b.lastId('BTCUSDT')).toBe(500);
    await expect(startBinance({ symbols: ['btcusdt'] })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it("answers bad parameters with Binance's error codes", async () => {
    const b = await start();

    const unknown = await get(b, '/api/v3/aggTrades?symbol=DOGEUSDT');
    const missing = await get(b, '/api/v3/historicalTrades');
    const illegal = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=abc');
    const elsewhere = await get(b, '/api/v3/depth?symbol=BTCUSDT');

    expect(unknown).toMatchObject({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect(missing).toMatchObject({ status: 400, body: { code: -1102 } });
    expect(illegal).toMatchObject({
      status: 400,
      body: { code: -1100, msg: expect.stringContaining("'fromId'") },
    });
    expect(elsewhere.status).toBe(404);
  });

  it('counts request weight per minute in X-MBX-USED-WEIGHT-1M and answers 429 once it is spent', async () => {
    const b = await start({ restWeightLimitPerMinute: 50 });

    const ping = await get(b, '/api/v3/ping');
    const time = await get(b, '/api/v3/time');
    const aggs = await get(b, '/api/v3/aggTrades?symbol=BTCUSDT');
    const trades = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT');
    const over = await get(b, '/api/v3/historicalTrades?symbol=BTCUSDT');
    clock = T0 + 50_000; // the next minute
    const next = await get(b, '/api/v3/ping');

    expect([ping, time, aggs, trades].map((r) => [r.status, r.weight])).toEqual([
      [200, '1'],
      [200, '2'],
      [200, '6'],
      [200, '31'],
    ]);
    expect(ping.body).toEqual({});
    expect(time.body).toEqual({ serverTime: T0 });
    expect(over).toMatchObject({ status: 429, weight: '56', retryAfter: '50', body: { code: -1003 } });
    expect(next).toMatchObject({ status: 200, weight: '1' });
    expect(b.usedWeight()).toBe(1);
  });

  it('fails the next requests as told, with Retry-After, and logs every request', async () => {
    const b = await start();

    b.failRest(2, { status: 429, retryAfterSeconds: 7 });
    const throttled = [await get(b, '/api/v3/ping'), await get(b, '/api/v3/time')];
    b.failRest(1, { status: 418, retryAfterSeconds: 120 });
    const banned = await get(b, '/api/v3/ping');
    b.failRest(1, { status: 500 });
    const broken = await get(b, '/api/v3/ping');
    clock += 1500;
    const fine = await get(b, '/api/v3/aggTrades?symbol=BTCUSDT&limit=10');

    expect(throttled.map((r) => [r.status, r.retryAfter, r.weight])).toEqual([
      [429, '7', '0'],
      [429, '7', '0'],
    ]);
    expect(throttled[0]!.body).toMatchObject({ code: -1003 });
    expect(banned).toMatchObject({ status: 418, retryAfter: '120', body: { code: -1003 } });
    expect(broken).toMatchObject({ status: 500, retryAfter: null, body: { code: -1000 } });
    expect(fine).toMatchObject({ status: 200, weight: '4', body: [] });
    expect(b.restRequests.map((r) => [r.path, r.status, r.time])).toEqual([
      ['/api/v3/ping', 429, T0],
      ['/api/v3/time', 429, T0],
      ['/api/v3/ping', 418, T0],
      ['/api/v3/ping', 500, T0],
      ['/api/v3/aggTrades', 200, T0 + 1500],
    ]);
    expect(b.restRequests[4]!.query).toEqual({ symbol: 'BTCUSDT', limit: '10' });
  });
});
