import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IdRange, normalizeRanges, rangeSize } from '../../../core/ranges.js';
import { BinanceRestClient } from '../../../producer/rest/rest-client.js';
import { backfill, NOW, START } from './support/backfill-run.js';
import { FakeExchange, historicalJson } from './support/fake-exchange.js';
import { startStub } from './support/stub-server.js';

describe('Backfiller, aggTrades mode', () => {
  const ex = new FakeExchange({ count: 8000, startId: START });
  const multi = ex.aggs.map((a, i) => [a, i] as const).filter(([a]) => (a.lastId ?? a.id) - a.id >= 2);
  const [before, iBefore] = multi[1]!;
  const [after, iAfter] = multi.find(([, i]) => i > iBefore + 2100)!;

  it('keeps the aggTrades inside the gap and reports the ones across its edges', async () => {
    ex.calls.length = 0;
    const { backfiller, chunks, done } = backfill(ex, { mode: 'aggTrades' });
    // Each edge cuts through an aggTrade: some of its fills were seen live, the rest are missing.
    const gap = {
      symbol: 'BTCUSDT',
      first: before.id + 1,
      last: after.id,
      afterTime: ex.trade(before.id).time,
      beforeTime: ex.trade(after.id + 1).time,
    };
    backfiller.enqueue(gap);
    await backfiller.idle();

    const inner = ex.aggs.slice(iBefore + 1, iAfter).map(({ aggId: _a, ...trade }) => trade);
    expect(chunks.flat()).toStrictEqual(inner);
    const outcome = done[0]![1];
    expect(outcome.parts).toStrictEqual([
      { range: [before.id + 1, before.lastId], reason: 'partial-aggtrade' },
      { range: [after.id, after.id], reason: 'partial-aggtrade' },
    ]);
    expect(outcome.filled + before.lastId! - before.id + 1).toBe(gap.last - gap.first + 1);
    expect(ex.calls[0]!.query).toStrictEqual({
      startTime: gap.afterTime - 1000,
      endTime: gap.beforeTime,
      limit: 1000,
    });
    expect(ex.calls.slice(1).map((c) => Object.keys(c.query))).toStrictEqual([
      ['fromId', 'limit'],
      ['fromId', 'limit'],
    ]);
    expect(outcome.requests).toBe(3);
  });

  it('accounts for every id exactly once, wherever the gap edges fall', async () => {
    const small = new FakeExchange({ count: 600, startId: 0 });
    const gap = fc.tuple(fc.integer({ min: 1, max: 590 }), fc.integer({ min: 0, max: 400 }));
    await fc.assert(
      fc.asyncProperty(gap, fc.integer({ min: 2, max: 50 }), async ([first, n], pageLimit) => {
        const last = Math.min(first + n, 598);
        const { backfiller, chunks, done } = backfill(small, { mode: 'aggTrades', pageLimit });
        const times = { afterTime: small.trade(first - 1).time, beforeTime: small.trade(last + 1).time };
        backfiller.enqueue({ symbol: 'BTCUSDT', first, last, ...times });
        await backfiller.idle();
        const filled = chunks.flat().map((t): IdRange => [t.id, t.lastId ?? t.id]);
        const all = [...filled, ...done[0]![1].unfilled];
        expect(rangeSize(all)).toBe(last - first + 1);
        expect(normalizeRanges(all)).toStrictEqual([[first, last]]);
        expect(done[0]![1].parts.every((p) => p.reason === 'partial-aggtrade')).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('reports no-time-bounds when the time before the gap is unknown', async () => {
    const { backfiller, done } = backfill(ex, { mode: 'aggTrades' });
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START + 10, last: START + 20 });
    await backfiller.idle();
    expect([done[0]![1].unfilled, done[0]![1].reason]).toStrictEqual([
      [[START + 10, START + 20]],
      'no-time-bounds',
    ]);
  });
});

describe('Backfiller over the REST client', () => {
  it('fills a futures gap in 500-trade pages through a rate limit', async () => {
    const ex = new FakeExchange({ count: 2000, startId: START });
    let t = NOW;
    const stub = await startStub((req) => {
      if (stub.requests.length === 2) return { status: 429, headers: { 'Retry-After': '2' } };
      const from = Number(req.query.get('fromId'));
      const limit = Number(req.query.get('limit'));
      return {
        body: ex.trades
          .filter((x) => x.id >= from)
          .slice(0, limit)
          .map(historicalJson),
      };
    });
    try {
      const rest = new BinanceRestClient({
        baseUrl: stub.url,
        market: 'usdm',
        apiKey: 'k',
        weightBudgetPerMinute: 2000,
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
      });
      const { backfiller, chunks, done } = backfill(rest, { pageLimit: 500 });
      backfiller.enqueue({ symbol: 'BTCUSDT', first: START + 100, last: START + 1299 });
      await backfiller.idle();
      expect(chunks.flat()).toStrictEqual(ex.trades.slice(100, 1300));
      expect(done[0]![1]).toMatchObject({ filled: 1200, unfilled: [], requests: 3 });
      expect(stub.requests.map((r) => r.query.get('fromId'))).toStrictEqual(
        [100, 600, 600, 1100].map((d) => String(START + d)),
      );
      expect(t).toBe(NOW + 2000);
    } finally {
      await stub.close();
    }
  });
});
