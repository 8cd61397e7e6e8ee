import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IdRange, normalizeRanges, rangeSize } from '../../../core/ranges.js';
import { BinanceRejectedError, RestError } from '../../../producer/rest/errors.js';
import type { BackfillRest } from '../../../producer/rest/gap-pages.js';
import { backfill, gate, NOW, START, spans } from './support/backfill-run.js';
import { captureLogs, LEVEL } from './support/capture-logs.js';
import { FakeExchange } from './support/fake-exchange.js';

describe('Backfiller, historicalTrades mode', () => {
  it('fills a 2,500-id gap in three pages, each id once and in order', async () => {
    const ex = new FakeExchange({ count: 4000, startId: START });
    const { logger, lines } = captureLogs();
    const { backfiller, chunks, done } = backfill(ex, { now: () => NOW, logger });
    const gap = { symbol: 'BTCUSDT', first: START + 500, last: START + 2999 };
    backfiller.enqueue(gap);
    await backfiller.idle();

    expect(chunks.flat()).toStrictEqual(ex.trades.slice(500, 3000));
    expect(ex.calls.map((c) => c.query)).toStrictEqual([
      { fromId: START + 500, limit: 1000 },
      { fromId: START + 1500, limit: 1000 },
      { fromId: START + 2500, limit: 500 },
    ]);
    expect(done).toStrictEqual([
      [gap, { filled: 2500, unfilled: [], parts: [], durationMs: 0, requests: 3 }],
    ]);
    const logged = lines.map(({ level, symbol, firstId, lastId, filled, unfilled }) => ({
      level,
      symbol,
      firstId,
      lastId,
      filled,
      unfilled,
    }));
    expect(logged).toStrictEqual([
      {
        level: LEVEL.info,
        symbol: 'BTCUSDT',
        firstId: START + 500,
        lastId: START + 2999,
        filled: undefined,
        unfilled: undefined,
      },
      {
        level: LEVEL.info,
        symbol: 'BTCUSDT',
        firstId: START + 500,
        lastId: START + 2999,
        filled: 2500,
        unfilled: 0,
      },
    ]);
  });

  it('reports the exact ranges Binance does not have', async () => {
    const missing: IdRange[] = [
      [START + 500, START + 509], // the page does not start at the id asked for
      [START + 600, START + 649], // a hole inside the page
    ];
    const ex = new FakeExchange({ count: 1500, startId: START, missing }); // history ends at START + 1499
    const { backfiller, chunks, done } = backfill(ex);
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START + 500, last: START + 1700 });
    await backfiller.idle();

    expect(spans(chunks)).toStrictEqual([
      [START + 510, START + 599],
      [START + 650, START + 1499],
    ]);
    const outcome = done[0]![1];
    expect(outcome.unfilled).toStrictEqual([...missing, [START + 1500, START + 1700]]);
    expect([outcome.filled, outcome.reason, outcome.requests]).toStrictEqual([940, 'not-available', 1]);
  });

  it('accounts for every id of every gap exactly once, whatever Binance is missing', async () => {
    const hole = fc.tuple(fc.integer({ min: 0, max: 320 }), fc.integer({ min: 0, max: 15 }));
    const gap = fc.tuple(fc.integer({ min: 0, max: 330 }), fc.integer({ min: 0, max: 120 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(hole, { maxLength: 6 }),
        fc.array(gap, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 3, max: 60 }),
        async (holes, gaps, pageLimit) => {
          const missing = normalizeRanges(holes.map(([a, n]): IdRange => [a, a + n]));
          const ex = new FakeExchange({ count: 300, startId: 0, missing });
          const { backfiller, chunks, done } = backfill(ex, { pageLimit });
          for (const [first, n] of gaps) backfiller.enqueue({ symbol: 'BTCUSDT', first, last: first + n });
          await backfiller.idle();

          const asked = normalizeRanges(gaps.map(([first, n]): IdRange => [first, first + n]));
          const filled = chunks.flat().map((t): IdRange => [t.id, t.id]);
          const unfilled = done.flatMap(([, o]) => o.unfilled);
          const all = [...filled, ...unfilled];
          expect(rangeSize(all)).toBe(rangeSize(asked)); // nothing twice ...
          expect(normalizeRanges(all)).toStrictEqual(asked); // ... and nothing left out
          for (const t of chunks.flat()) expect(t).toStrictEqual(ex.trade(t.id));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a gap larger than maxGapTrades without fetching it', async () => {
    const ex = new FakeExchange({ count: 10, startId: START });
    const { backfiller, done } = backfill(ex, { maxGapTrades: 1000 });
    const gap = { symbol: 'BTCUSDT', first: START, last: START + 4999 };
    backfiller.enqueue(gap);
    await backfiller.idle();
    expect(done).toStrictEqual([
      [
        gap,
        {
          filled: 0,
          unfilled: [[START, START + 4999]],
          reason: 'too-large',
          parts: [{ range: [START, START + 4999], reason: 'too-large' }],
          durationMs: 0,
          requests: 0,
        },
      ],
    ]);
    expect(ex.calls).toStrictEqual([]);
  });

  it('reports ids onTrades refused as consumer-error and goes on', async () => {
    const ex = new FakeExchange({ count: 3000, startId: START });
    let calls = 0;
    const { backfiller, done } = backfill(ex, {
      onTrades: () => {
        if (calls++ === 0) throw new Error('sink full');
      },
    });
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START, last: START + 1999 });
    await backfiller.idle();
    const outcome = done[0]![1];
    expect([outcome.filled, outcome.unfilled, outcome.reason]).toStrictEqual([
      1000,
      [[START, START + 999]],
      'consumer-error',
    ]);
  });
});

describe('Backfiller queue', () => {
  it('runs gaps first in, first out and never queues an id twice', async () => {
    const btc = new FakeExchange({ count: 1000, startId: 0 });
    const eth = new FakeExchange({ count: 1000, startId: 0, symbol: 'ETHUSDT' });
    const release = gate(btc);
    const byName: Record<string, FakeExchange> = { BTCUSDT: btc, ETHUSDT: eth };
    const rest: BackfillRest = {
      historicalTrades: (s, from, limit) => byName[s]!.historicalTrades(s, from, limit),
      aggTrades: (s, q) => byName[s]!.aggTrades(s, q),
    };
    const { backfiller, chunks, done } = backfill(rest);
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 100, last: 200 }); // starts at once
    backfiller.enqueue({ symbol: 'ethusdt', first: 10, last: 19 });
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 150, last: 300, beforeTime: 7 }); // 201..300 left
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 250, last: 400, afterTime: 5, beforeTime: 9 }); // merges
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 401, last: 410, beforeTime: 11 }); // adjacent: merges
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 120, last: 130 }); // all running: ignored
    expect(backfiller.pending()).toStrictEqual({ gaps: 3, trades: 101 + 10 + 210 });

    release();
    await backfiller.idle();
    expect(done.map(([gap, o]) => [gap, o.filled])).toStrictEqual([
      [{ symbol: 'BTCUSDT', first: 100, last: 200 }, 101],
      [{ symbol: 'ETHUSDT', first: 10, last: 19 }, 10],
      [{ symbol: 'BTCUSDT', first: 201, last: 410, beforeTime: 11 }, 210],
    ]);
    const btcIds = chunks
      .flat()
      .filter((t) => t.symbol === 'BTCUSDT')
      .map((t) => t.id);
    expect(btcIds).toStrictEqual(btc.trades.slice(100, 411).map((t) => t.id));
    expect(backfiller.pending()).toStrictEqual({ gaps: 0, trades: 0 });
  });

  it('fetches up to `concurrency` gaps at once', async () => {
    const ex = new FakeExchange({ count: 100, startId: 0 });
    const release = gate(ex);
    const { backfiller, done } = backfill(ex, { concurrency: 2 });
    for (const first of [0, 20, 40]) backfiller.enqueue({ symbol: 'BTCUSDT', first, last: first + 9 });
    expect(ex.calls.map((c) => c.query.fromId)).toStrictEqual([0, 20]);
    release();
    await backfiller.idle();
    expect(done.map(([gap, o]) => [gap.first, o.filled])).toStrictEqual([
      [0, 10],
      [20, 10],
      [40, 10],
    ]);
  });

  it('stop() lets the running request finish and reports the rest as stopped', async () => {
    const ex = new FakeExchange({ count: 5000, startId: START });
    const release = gate(ex);
    const { backfiller, chunks, done } = backfill(ex);
    const gaps = [
      { symbol: 'BTCUSDT', first: START, last: START + 2499 },
      { symbol: 'BTCUSDT', first: START + 3000, last: START + 3099 },
      { symbol: 'BTCUSDT', first: START + 4000, last: START + 4009 },
    ];
    for (const gap of gaps) backfiller.enqueue(gap);
    const stopped = backfiller.stop();
    release();
    await stopped;
    backfiller.enqueue({ symbol: 'BTCUSDT', first: 5, last: 6 });

    expect(chunks.flat()).toStrictEqual(ex.trades.slice(0, 1000));
    expect(done.map(([gap, o]) => [gap.first, o.filled, o.unfilled, o.reason, o.requests])).toStrictEqual([
      [START + 3000, 0, [[START + 3000, START + 3099]], 'stopped', 0],
      [START + 4000, 0, [[START + 4000, START + 4009]], 'stopped', 0],
      [START, 1000, [[START + 1000, START + 2499]], 'stopped', 1],
      [5, 0, [[5, 6]], 'stopped', 0],
    ]);
  });
});

describe('Backfiller errors', () => {
  const unavailable = () => new RestError('UNAVAILABLE', 'HTTP 503, 4 attempts', { status: 503 });

  it('retries a gap after client errors and fills it once', async () => {
    const ex = new FakeExchange({ count: 3000, startId: START });
    ex.failures.push(undefined, unavailable(), unavailable());
    const { backfiller, chunks, done } = backfill(ex);
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START, last: START + 1999 });
    await backfiller.idle();
    expect(chunks.flat()).toStrictEqual(ex.trades.slice(0, 2000));
    expect([done[0]![1].filled, done[0]![1].unfilled, done[0]![1].requests]).toStrictEqual([2000, [], 4]);
  });

  it('reports the gap with the error code once the attempts are spent', async () => {
    const ex = new FakeExchange({ count: 3000, startId: START });
    ex.failures.push(unavailable(), unavailable(), unavailable());
    const { backfiller, done } = backfill(ex, { maxAttempts: 3 });
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START, last: START + 9 });
    await backfiller.idle();
    expect([done[0]![1].unfilled, done[0]![1].reason, done[0]![1].requests]).toStrictEqual([
      [[START, START + 9]],
      'rest:UNAVAILABLE',
      3,
    ]);
  });

  it('does not retry a rejection', async () => {
    const ex = new FakeExchange({ count: 10, startId: START });
    ex.failures.push(new BinanceRejectedError('/api/v3/historicalTrades', 400, -1121, 'Invalid symbol.'));
    const { backfiller, done } = backfill(ex);
    backfiller.enqueue({ symbol: 'BTCUSDT', first: START, last: START + 9 });
    await backfiller.idle();
    expect([done[0]![1].reason, ex.calls.length]).toStrictEqual(['rejected:-1121', 1]);
  });
});
