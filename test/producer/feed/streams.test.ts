import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedError } from '../../../producer/feed/errors.js';
import { combinedUrl, shardStreams, streamName } from '../../../producer/feed/streams.js';

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `sym${i}usdt@trade`);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FeedError ? err.code : `not a FeedError: ${String(err)}`;
  }
  return undefined;
}

describe('streamName', () => {
  it('lower-cases the symbol and appends the kind', () => {
    expect(streamName('BTCUSDT', 'trade')).toBe('btcusdt@trade');
    expect(streamName('EthBtc', 'aggTrade')).toBe('ethbtc@aggTrade');
    expect(streamName('BNBUSDT', 'kline_1m')).toBe('bnbusdt@kline_1m');
  });

  it('rejects symbols that would break the URL', () => {
    expect(codeOf(() => streamName('', 'trade'))).toBe('BAD_STREAMS');
    expect(codeOf(() => streamName('BTC/USDT', 'trade'))).toBe('BAD_STREAMS');
  });
});

describe('shardStreams', () => {
  it('splits 2050 streams into 3 balanced shards in input order', () => {
    const all = names(2050);
    const shards = shardStreams(all, 1024);
    expect(shards.map((s) => s.length)).toEqual([684, 683, 683]);
    expect(shards.flat()).toEqual(all);
    expect(shardStreams(all, 1024)).toEqual(shards);
  });

  it('uses one shard up to the limit and two just above it', () => {
    expect(shardStreams(names(1024)).map((s) => s.length)).toEqual([1024]);
    expect(shardStreams(names(1025)).map((s) => s.length)).toEqual([513, 512]);
    expect(shardStreams(names(3), 1)).toEqual([[names(3)[0]], [names(3)[1]], [names(3)[2]]]);
  });

  it('gives the fewest shards, each within the limit, sizes differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 1024 }), (n, max) => {
        const all = names(n);
        const shards = shardStreams(all, max);
        const sizes = shards.map((s) => s.length);
        expect(shards.length).toBe(Math.ceil(n / max));
        expect(Math.max(...sizes)).toBeLessThanOrEqual(max);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(shards.flat()).toEqual(all);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an empty list, duplicates and limits Binance does not allow', () => {
    expect(codeOf(() => shardStreams([]))).toBe('BAD_STREAMS');
    expect(codeOf(() => shardStreams(['a@trade', 'b@trade', 'a@trade']))).toBe('BAD_STREAMS');
    expect(codeOf(() => shardStreams(names(10), 1025))).toBe('BAD_OPTIONS');
    expect(codeOf(() => shardStreams(names(10), 0))).toBe('BAD_OPTIONS');
    expect(codeOf(() => shardStreams(names(10), 2.5))).toBe('BAD_OPTIONS');
  });
});

describe('combinedUrl', () => {
  it('joins the streams after /stream?streams=', () => {
    expect(combinedUrl('wss://stream.binance.com:9443', ['btcusdt@trade', 'ethusdt@trade'])).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@trade',
    );
  });

  it('tolerates a trailing slash and local ws:// bases', () => {
    expect(combinedUrl('ws://127.0.0.1:1234/', ['btcusdt@trade'])).toBe(
      'ws://127.0.0.1:1234/stream?streams=btcusdt@trade',
    );
  });

  it('accepts 1024 streams and refuses 1025', () => {
    expect(combinedUrl('ws://h', names(1024)).split('/').length).toBe(3 + 1024);
    expect(codeOf(() => combinedUrl('ws://h', names(1025)))).toBe('BAD_STREAMS');
  });

  it('names what is wrong with a bad base or stream list', () => {
    expect(codeOf(() => combinedUrl('ws://h', []))).toBe('BAD_STREAMS');
    expect(codeOf(() => combinedUrl('ws://h', ['a@trade/b@trade']))).toBe('BAD_STREAMS');
    expect(codeOf(() => combinedUrl('ws://h', ['a@trade', 'a@trade']))).toBe('BAD_STREAMS');
    expect(codeOf(() => combinedUrl('https://h', ['a@trade']))).toBe('BAD_OPTIONS');
    expect(codeOf(() => combinedUrl('not a url', ['a@trade']))).toBe('BAD_OPTIONS');
    expect(codeOf(() => combinedUrl('ws://h/?x=1', ['a@trade']))).toBe('BAD_OPTIONS');
  });
});
