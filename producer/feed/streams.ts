/**
 * Binance stream names, their split into per-connection shards, and the combined-stream URL.
 *
 * The feed folder holds the producer's WebSocket side: these pure helpers, the backoff and
 * attempt limiter, one supervised connection (connection.ts) and a shard that keeps one alive
 * (shard.ts). It may import `ws`, `pino`, node built-ins and `core/`, nothing from the clouds.
 */
import { FeedError } from './errors.js';

/** Binance's limit on streams per connection. */
export const MAX_STREAMS_PER_CONNECTION = 1024;

export type StreamKind = 'trade' | 'aggTrade' | `kline_${string}`;

const SYMBOL = /^[A-Za-z0-9]+$/;
// A stream name is spliced into the URL path and query: none of these may appear in it.
const UNSAFE_IN_STREAM = /[\s/?&#%]/;

/** `streamName('BTCUSDT', 'trade')` → `btcusdt@trade`; stream names are lowercase on Binance. */
export function streamName(symbol: string, kind: StreamKind): string {
  if (!SYMBOL.test(symbol)) throw new FeedError('BAD_STREAMS', `bad symbol ${JSON.stringify(symbol)}`);
  return `${symbol.toLowerCase()}@${kind}`;
}

/**
 * Splits streams into the fewest connections allowed, with sizes differing by at most one (so
 * shards carry similar load), keeping the input order: the same input always gives the same shards.
 */
export function shardStreams(
  streams: readonly string[],
  maxPerConnection: number = MAX_STREAMS_PER_CONNECTION,
): string[][] {
  checkMax(maxPerConnection);
  checkStreams(streams, Number.POSITIVE_INFINITY);
  const count = Math.ceil(streams.length / maxPerConnection);
  const small = Math.floor(streams.length / count);
  const bigOnes = streams.length % count;
  const shards: string[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = i < bigOnes ? small + 1 : small;
    shards.push(streams.slice(start, start + size));
    start += size;
  }
  return shards;
}

/** `${base}/stream?streams=a@trade/b@trade` for a `ws://` or `wss://` base, with or without a trailing slash. */
export function combinedUrl(baseWsUrl: string, streams: readonly string[]): string {
  checkStreams(streams, MAX_STREAMS_PER_CONNECTION);
  const base = baseWsUrl.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch (err) {
    throw new FeedError('BAD_OPTIONS', `bad WebSocket base URL ${JSON.stringify(baseWsUrl)}`, { cause: err });
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new FeedError('BAD_OPTIONS', `WebSocket base URL must be ws:// or wss://, got ${baseWsUrl}`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new FeedError('BAD_OPTIONS', `WebSocket base URL must have no query or fragment: ${baseWsUrl}`);
  }
  return `${base}/stream?streams=${streams.join('/')}`;
}

function checkMax(max: number): void {
  if (!Number.isInteger(max) || max < 1 || max > MAX_STREAMS_PER_CONNECTION) {
    throw new FeedError(
      'BAD_OPTIONS',
      `maxPerConnection must be an integer in 1..${MAX_STREAMS_PER_CONNECTION}, got ${max}`,
    );
  }
}

function checkStreams(streams: readonly string[], max: number): void {
  if (streams.length === 0) throw new FeedError('BAD_STREAMS', 'no streams given');
  if (streams.length > max) {
    throw new FeedError('BAD_STREAMS', `${streams.length} streams on one connection, at most ${max} allowed`);
  }
  const seen = new Set<string>();
  for (const s of streams) {
    if (s === '' || UNSAFE_IN_STREAM.test(s)) {
      throw new FeedError('BAD_STREAMS', `bad stream name ${JSON.stringify(s)}`);
    }
    // The same stream twice would deliver every event twice and waste a slot.
    if (seen.has(s)) throw new FeedError('BAD_STREAMS', `stream ${s} listed twice`);
    seen.add(s);
  }
}
