import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syntheticTrades } from '../../core/synthetic.js';
import { decodeBatch } from '../../core/wire.js';
import { Batcher, type FlushedBatch } from '../../producer/batcher.js';

const trades = [...syntheticTrades(500, { seed: 3, startId: 1000 })];

function collect(options: { lingerMs?: number; maxBodyBytes?: number } = {}): {
  batcher: Batcher;
  out: FlushedBatch[];
} {
  const out: FlushedBatch[] = [];
  const batcher = new Batcher({
    market: 'spot',
    lingerMs: options.lingerMs ?? 200,
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    onBatch: (b) => out.push(b),
  });
  return { batcher, out };
}

function decode(b: FlushedBatch) {
  return decodeBatch(b.body.toString('utf8'));
}

describe('Batcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes after the linger, with the trades intact and the earliest receive time', () => {
    const { batcher, out } = collect();
    for (const [i, t] of trades.slice(0, 3).entries()) batcher.add(t, 5000 + i, 'live');
    vi.advanceTimersByTime(199);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(out).toHaveLength(1);
    expect(out[0]?.receivedAt).toBe(5000);
    expect(decode(out[0] as FlushedBatch)).toEqual({
      market: 'spot',
      symbol: 'BTCUSDT',
      firstId: 1000,
      lastId: 1002,
      trades: trades.slice(0, 3),
    });
  });

  it('cuts a batch where ids are not consecutive', () => {
    const { batcher, out } = collect();
    for (const t of [trades[0], trades[1], trades[5], trades[6]]) if (t) batcher.add(t, 0, 'live');
    batcher.flushAll();
    expect(out.map((b) => [b.firstId, b.lastId])).toEqual([
      [1000, 1001],
      [1005, 1006],
    ]);
  });

  it('keeps every body within the size limit and loses no trade', () => {
    const { batcher, out } = collect({ maxBodyBytes: 4096 });
    for (const t of trades) batcher.add(t, 0, 'live');
    batcher.flushAll();
    expect(out.length).toBeGreaterThan(5);
    for (const b of out) expect(b.body.length).toBeLessThanOrEqual(4096);
    expect(out.map((b) => b.trades).reduce((x, y) => x + y)).toBe(trades.length);
    expect(out.flatMap((b) => decode(b).trades)).toEqual(trades);
  });

  it('batches backfilled trades apart from live ones of the same symbol', () => {
    const { batcher, out } = collect();
    batcher.add(trades[10]!, 0, 'live');
    batcher.add(trades[2]!, 0, 'backfill');
    batcher.add(trades[11]!, 0, 'live');
    batcher.add(trades[3]!, 0, 'backfill');
    expect(batcher.openTrades()).toBe(4);
    batcher.flushAll();
    expect(out.map((b) => [b.lane, b.firstId, b.lastId])).toEqual([
      ['live', 1010, 1011],
      ['backfill', 1002, 1003],
    ]);
  });
});
