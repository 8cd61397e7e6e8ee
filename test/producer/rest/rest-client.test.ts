import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadResponseError, BinanceRejectedError, RestError } from '../../../producer/rest/errors.js';
import { BinanceRestClient, type RestClientOptions } from '../../../producer/rest/rest-client.js';
import { rejectionOf } from '../../support/errors.js';
import { captureLogs, LEVEL } from './support/capture-logs.js';
import { aggJson, FakeExchange, historicalJson } from './support/fake-exchange.js';
import { type StubReply, type StubRequest, type StubServer, startStub } from './support/stub-server.js';

/** 2026-01-05 12:00:30 UTC: half way through a weight window. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);
const NEXT_WINDOW = Date.UTC(2026, 0, 5, 12, 1, 0);

const exchange = new FakeExchange({ count: 50, startId: 1000 });
const TRADES = exchange.trades.slice(0, 5);
const TRADES_BODY = TRADES.map(historicalJson);

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** A clock that only moves when the client sleeps; the stub notes the clock at each request. */
function fakeTime() {
  const clock = { t: T0, sleeps: [] as number[], seenAt: [] as number[] };
  const now = () => clock.t;
  const sleep = async (ms: number) => {
    clock.sleeps.push(ms);
    clock.t += ms;
    // Let responses in: a sleep that only queues a microtask would starve the sockets.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, now, sleep };
}

async function setup(
  replies: (req: StubRequest, n: number) => StubReply | Promise<StubReply>,
  extra: Partial<RestClientOptions> = {},
): Promise<{ client: BinanceRestClient; server: StubServer; clock: ReturnType<typeof fakeTime>['clock'] }> {
  const { clock, now, sleep } = fakeTime();
  let n = 0;
  const server = await startStub((req) => {
    clock.seenAt.push(clock.t);
    return replies(req, n++);
  });
  stub = server;
  const client = new BinanceRestClient({
    baseUrl: `${server.url}/`,
    market: 'spot',
    weightBudgetPerMinute: 1000,
    now,
    sleep,
    ...extra,
  });
  return { client, server, clock };
}

describe('BinanceRestClient requests', () => {
  it('asks the spot path with the query and parses the trades', async () => {
    const { client, server } = await setup(() => ({ body: TRADES_BODY }));
    expect(await client.historicalTrades('btcusdt', 1000, 5)).toStrictEqual(TRADES);
    const req = server.requests[0]!;
    expect(req.path).toBe('/api/v3/historicalTrades');
    expect(Object.fromEntries(req.query)).toStrictEqual({ symbol: 'BTCUSDT', fromId: '1000', limit: '5' });
    expect(req.headers['x-mbx-apikey']).toBeUndefined();
  });

  it('sends the API key and uses the futures paths', async () => {
    const aggs = exchange.aggs.slice(0, 3);
    const { client, server } = await setup(
      (req) => ({ body: req.path.endsWith('aggTrades') ? aggs.map(aggJson) : [] }),
      {
        market: 'usdm',
        apiKey: 'key-123',
      },
    );
    await client.historicalTrades('BTCUSDT', 7, 500);
    const got = await client.aggTrades('BTCUSDT', { startTime: 1000, endTime: 2000, limit: 3 });
    expect(got).toStrictEqual(aggs);
    expect(server.requests.map((r) => r.path)).toStrictEqual([
      '/fapi/v1/historicalTrades',
      '/fapi/v1/aggTrades',
    ]);
    expect(server.requests.map((r) => r.headers['x-mbx-apikey'])).toStrictEqual(['key-123', 'key-123']);
    expect(Object.fromEntries(server.requests[1]!.query)).toStrictEqual({
      symbol: 'BTCUSDT',
      startTime: '1000',
      endTime: '2000',
      limit: '3',
    });
  });

  it('drops aggTrades voided by the 2022 audit and keeps the aggregate ids', async () => {
    const aggs = exchange.aggs.slice(0, 2);
    const voided = { a: 55, p: '0', q: '0', f: -1, l: -1, T: 1, m: true, M: true };
    const { client } = await setup(() => ({ body: [aggJson(aggs[0]!), voided, aggJson(aggs[1]!)] }));
    const got = await client.aggTrades('BTCUSDT', { fromId: 1, limit: 3 });
    expect(got.map((a) => [a.aggId, a.id, a.lastId])).toStrictEqual(
      aggs.map((a) => [a.aggId, a.id, a.lastId]),
    );
  });

  it('refuses limits and windows the endpoint cannot serve, without a request', async () => {
    const { client, server } = await setup(() => ({ body: [] }));
    const tooMany = await rejectionOf(client.historicalTrades('BTCUSDT', 1, 1001));
    const longWindow = await rejectionOf(
      client.aggTrades('BTCUSDT', { startTime: 0, endTime: 3_600_000, limit: 10 }),
    );
    expect([tooMany.code, longWindow.code]).toStrictEqual(['BAD_ARGUMENT', 'BAD_ARGUMENT']);
    expect(server.requests).toHaveLength(0);
  });
});

describe('BinanceRestClient weight budget', () => {
  it('waits for the next UTC minute when the used weight header leaves no room', async () => {
    const used = [80, 90, 25];
    const { client, clock } = await setup(
      (_r, n) => ({ body: [], headers: { 'X-MBX-USED-WEIGHT-1M': String(used[n]) } }),
      {
        weightBudgetPerMinute: 100,
      },
    );
    await client.aggTrades('BTCUSDT', { fromId: 1, limit: 10 }); // 80 used: 4 more fit
    await client.aggTrades('BTCUSDT', { fromId: 1, limit: 10 }); // 90 used: 25 more do not
    await client.historicalTrades('BTCUSDT', 1, 10);
    expect(clock.seenAt.slice(0, 2)).toStrictEqual([T0, T0]);
    expect(clock.seenAt[2]).toBeGreaterThanOrEqual(NEXT_WINDOW);
    expect(clock.seenAt[2]! - NEXT_WINDOW).toBeLessThan(1000);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('counts its own requests when the header is missing', async () => {
    const { client, clock } = await setup(() => ({ body: [] }), { weightBudgetPerMinute: 30 });
    await client.historicalTrades('BTCUSDT', 1, 10); // 25
    await client.aggTrades('BTCUSDT', { fromId: 1, limit: 10 }); // 29
    await client.aggTrades('BTCUSDT', { fromId: 1, limit: 10 }); // 33 > 30: next window
    expect(clock.seenAt.map((t) => t >= NEXT_WINDOW)).toStrictEqual([false, false, true]);
  });
  it('counts requests still in flight against the budget', async () => {
    const { client, clock } = await setup(() => ({ body: [] }), { weightBudgetPerMinute: 30 });
    await Promise.all([client.historicalTrades('BTCUSDT', 1, 10), client.historicalTrades('ETHUSDT', 1, 10)]);
    // The second cannot start until the first's 25 leave the window: it waits for the next one.
    expect(clock.sleeps[0]).toBe(NEXT_WINDOW - T0 + 500);
  });
});

describe('BinanceRestClient rate limits', () => {
  it('pauses every request for the Retry-After of a 429, then retries', async () => {
    const pending: { ms: number; resolve: () => void }[] = [];
    const limited: unknown[] = [];
    const { logger, lines } = captureLogs();
    const { client, server, clock } = await setup(
      (_r, n) =>
        n === 0
          ? { status: 429, headers: { 'Retry-After': '3' }, body: { code: -1003, msg: 'Too many' } }
          : { body: [] },
      {
        logger,
        sleep: (ms) => new Promise<void>((resolve) => pending.push({ ms, resolve })),
        onRateLimited: (info) => limited.push(info),
      },
    );
    const first = client.aggTrades('BTCUSDT', { fromId: 1, limit: 10 });
    await vi.waitFor(() => expect(pending).toHaveLength(1), { timeout: 5000 });
    const second = client.historicalTrades('ETHUSDT', 5, 10);
    await vi.waitFor(() => expect(pending).toHaveLength(2), { timeout: 5000 });
    expect(pending.map((p) => p.ms)).toStrictEqual([3000, 3000]);
    expect(server.requests).toHaveLength(1);

    clock.t += 3000;
    for (const p of pending) p.resolve();
    expect(await Promise.all([first, second])).toStrictEqual([[], []]);
    expect(clock.seenAt).toStrictEqual([T0, T0 + 3000, T0 + 3000]);
    expect(limited).toStrictEqual([{ status: 429, retryAfterMs: 3000 }]);
    expect(lines.filter((l) => l.level === LEVEL.warn).map((l) => l.status)).toStrictEqual([429]);
  });

  it('treats a 418 as a ban: same pause, logged as an error, 2 minutes without Retry-After', async () => {
    const limited: unknown[] = [];
    const { logger, lines } = captureLogs();
    const { client, clock } = await setup(
      (_r, n) => (n === 0 ? { status: 418, body: { code: -1003 } } : { body: TRADES_BODY }),
      {
        logger,
        onRateLimited: (info) => limited.push(info),
      },
    );
    expect(await client.historicalTrades('BTCUSDT', 1000, 5)).toStrictEqual(TRADES);
    expect(clock.seenAt).toStrictEqual([T0, T0 + 120_000]);
    expect(limited).toStrictEqual([{ status: 418, retryAfterMs: 120_000 }]);
    expect(lines.filter((l) => l.level === LEVEL.error).map((l) => l.status)).toStrictEqual([418]);
  });

  it('gives up with RATE_LIMITED when the limits keep coming', async () => {
    const { client, server } = await setup(() => ({ status: 429, headers: { 'Retry-After': '1' } }), {
      maxRateLimitPauses: 2,
    });
    const err = await rejectionOf(client.aggTrades('BTCUSDT', { fromId: 1, limit: 1 }));
    expect([err.code, err.status, server.requests.length]).toStrictEqual(['RATE_LIMITED', 429, 3]);
  });
});

describe('BinanceRestClient failures', () => {
  it('retries 5xx with capped, jittered backoff and then succeeds', async () => {
    const statuses = [503, 500, 200];
    const seen: number[] = [];
    const { client, clock } = await setup(
      (_r, n) => ({ status: statuses[n], body: n === 2 ? TRADES_BODY : 'oops' }),
      {
        backoffBaseMs: 100,
        random: () => 0.5,
        onRequest: (info) => seen.push(info.status),
      },
    );
    expect(await client.historicalTrades('BTCUSDT', 1000, 5)).toStrictEqual(TRADES);
    expect(clock.sleeps).toStrictEqual([50, 100]);
    expect(seen).toStrictEqual([503, 500, 200]);
  });

  it('reports UNAVAILABLE with the last status once the retries are spent', async () => {
    const { client, server } = await setup(() => ({ status: 502, body: 'bad gateway' }), { maxRetries: 2 });
    const err = await rejectionOf(client.historicalTrades('BTCUSDT', 1, 5));
    expect(err).toBeInstanceOf(RestError);
    expect([err.code, err.status, server.requests.length]).toStrictEqual(['UNAVAILABLE', 502, 3]);
  });

  it('retries a dropped connection and a timeout', async () => {
    const { client, server } = await setup(
      (_r, n) =>
        n === 0 ? { destroy: true } : n === 1 ? new Promise<StubReply>(() => {}) : { body: TRADES_BODY },
      { timeoutMs: 200 },
    );
    expect(await client.historicalTrades('BTCUSDT', 1000, 5)).toStrictEqual(TRADES);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a Binance rejection and keeps its code and message', async () => {
    const { client, server } = await setup(() => ({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    }));
    const err = await rejectionOf(client.historicalTrades('NOPE', 1, 5));
    expect(err).toBeInstanceOf(BinanceRejectedError);
    expect([err.code, err.status, err.binanceCode, err.binanceMsg]).toStrictEqual([
      'REJECTED',
      400,
      -1121,
      'Invalid symbol.',
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('fails the whole page on a bad record, naming the field and the element', async () => {
    const body = [...TRADES_BODY.slice(0, 2), { ...TRADES_BODY[2], price: '-1.5' }];
    const { client } = await setup(() => ({ body }));
    const err = await rejectionOf(client.historicalTrades('BTCUSDT', 1000, 3));
    expect(err).toBeInstanceOf(BadResponseError);
    expect([err.code, err.field, err.index, err.value]).toStrictEqual(['BAD_RESPONSE', 'price', 2, '"-1.5"']);
  });

  it('names the aggTrades field at fault too', async () => {
    const bad = { ...aggJson(exchange.aggs[0]!), l: 'x' };
    const { client } = await setup(() => ({ body: [aggJson(exchange.aggs[1]!), bad] }));
    const err = await rejectionOf(client.aggTrades('BTCUSDT', { fromId: 1, limit: 2 }));
    expect([err.code, err.field, err.index]).toStrictEqual(['BAD_RESPONSE', 'l', 1]);
  });

  it('close() rejects requests waiting out a pause, and later calls', async () => {
    const sleeping: number[] = [];
    const { client } = await setup(() => ({ status: 429, headers: { 'Retry-After': '30' } }), {
      sleep: (ms) => {
        sleeping.push(ms);
        return new Promise<void>(() => {});
      },
    });
    const waiting = rejectionOf(client.aggTrades('BTCUSDT', { fromId: 1, limit: 1 }));
    await vi.waitFor(() => expect(sleeping).toStrictEqual([30_000]), { timeout: 5000 });
    client.close();
    expect((await waiting).code).toBe('CLOSED');
    expect((await rejectionOf(client.historicalTrades('BTCUSDT', 1, 1))).code).toBe('CLOSED');
  });
});
