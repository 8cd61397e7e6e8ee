import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../producer/config.js';
import { ConfigError } from '../../producer/errors.js';
import { catchError } from '../support/errors.js';

const BASE = {
  PRODUCER_SYMBOLS: 'btcusdt, ETHUSDT',
  PRODUCER_SQS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/trades',
  PRODUCER_PUBSUB_TOPIC: 'trades',
};

function configError(env: Record<string, string>): ConfigError {
  return catchError(() => loadConfig(env), ConfigError);
}

describe('loadConfig', () => {
  it('fills the documented defaults for a live spot feed into both sinks', () => {
    const c = loadConfig(BASE);
    expect(c.market).toBe('spot');
    expect(c.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(c.source).toEqual({
      kind: 'live',
      wsUrl: 'wss://stream.binance.com:9443',
      restUrl: 'https://api.binance.com',
      streamsPerConnection: 1024,
      watchdogMs: 60_000,
      rotateAfterMs: 23 * 3_600_000,
      overlapMs: 5000,
    });
    expect(c.batching).toEqual({ lingerMs: 200, maxBodyBytes: 262_144, gzipMinBytes: 2048 });
    expect(c.sinks).toEqual(['sqs', 'pubsub']);
    expect(c.backfill).toEqual({
      mode: 'historicalTrades',
      weightBudgetPerMinute: 3000,
      maxGapTrades: 1_000_000,
    });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(Object.isFrozen(c.source)).toBe(true);
  });

  it('reads overrides with units, futures defaults and a replay source', () => {
    const c = loadConfig({
      ...BASE,
      PRODUCER_MARKET: 'usdm',
      PRODUCER_LINGER_MS: '50ms',
      PRODUCER_ROTATE_AFTER: '12h',
      PRODUCER_SPOOL_DISK_BUDGET: '2GiB',
      PRODUCER_HTTP_PORT: 'off',
    });
    expect(c.source.kind === 'live' && c.source.wsUrl).toBe('wss://fstream.binance.com');
    expect(c.source.kind === 'live' && c.source.rotateAfterMs).toBe(12 * 3_600_000);
    expect(c.batching.lingerMs).toBe(50);
    expect(c.spool.diskBudgetBytes).toBe(2 * 1024 ** 3);
    expect(c.http).toBeUndefined();
    const replay = loadConfig({
      ...BASE,
      PRODUCER_SYMBOLS: '',
      PRODUCER_SOURCE: 'replay',
      PRODUCER_REPLAY_FILES: 'a.txt,b.txt',
      PRODUCER_REPLAY_SPEED: '2.5',
    });
    expect(replay.source).toEqual({ kind: 'replay', files: ['a.txt', 'b.txt'], speed: 2.5 });
    expect(replay.symbols).toEqual([]);
  });

  it('names the variable that is missing or malformed', () => {
    expect(configError({ ...BASE, PRODUCER_SYMBOLS: '' }).message).toBe(
      'PRODUCER_SYMBOLS: is required but not set',
    );
    expect(configError({ ...BASE, PRODUCER_SQS_QUEUE_URL: '' }).variable).toBe('PRODUCER_SQS_QUEUE_URL');
    expect(configError({ ...BASE, PRODUCER_LINGER_MS: 'soon' }).message).toBe(
      'PRODUCER_LINGER_MS: must be a duration like 200ms, 5s, 10m or 23h, got "soon"',
    );
    expect(configError({ ...BASE, PRODUCER_STREAMS_PER_CONNECTION: '2000' }).message).toBe(
      'PRODUCER_STREAMS_PER_CONNECTION: must be between 1 and 1024, got "2000"',
    );
    expect(configError({ ...BASE, PRODUCER_SINKS: 'sqs,kafka' }).message).toBe(
      'PRODUCER_SINKS: unknown sink "kafka" (known: sqs, pubsub)',
    );
    expect(configError({ ...BASE, BINANCE_WS_URL: 'https://example.com' }).message).toBe(
      'BINANCE_WS_URL: must use ws: or wss:, got "https://example.com"',
    );
    expect(configError({ ...BASE, PRODUCER_MARKET: 'coinm' }).message).toBe(
      'PRODUCER_MARKET: must be one of spot, usdm, got "coinm"',
    );
    expect(configError({ ...BASE, PRODUCER_SYMBOLS: 'BTC USDT' }).message).toBe(
      'PRODUCER_SYMBOLS: "BTC USDT" is not a symbol',
    );
    expect(configError({ ...BASE, PRODUCER_SOURCE: 'replay' }).variable).toBe('PRODUCER_REPLAY_FILES');
  });

  it('needs only the sinks it sends to', () => {
    const c = loadConfig({
      PRODUCER_SYMBOLS: 'BTCUSDT',
      PRODUCER_SINKS: 'pubsub',
      PRODUCER_PUBSUB_TOPIC: 't',
    });
    expect(c.sinks).toEqual(['pubsub']);
    expect(c.sqsQueueUrl).toBeUndefined();
  });
});
