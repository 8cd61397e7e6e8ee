/**
 * The producer's configuration, read once from the environment into a frozen object. Every variable
 * is documented in .env.example; a missing or malformed one stops start-up with a message naming it.
 */
import { normalizeSymbol } from '../core/parse/fields.js';
import type { Market } from '../core/trade.js';
import {
  bytes,
  decimalNumber,
  duration,
  type Env,
  integer,
  list,
  oneOf,
  optionalText,
  text,
  url,
} from './env.js';
import { ConfigError } from './errors.js';

export type SinkName = 'sqs' | 'pubsub';
export type BackfillMode = 'historicalTrades' | 'aggTrades' | 'off';

export interface LiveSource {
  readonly kind: 'live';
  readonly wsUrl: string;
  readonly restUrl: string;
  readonly apiKey?: string;
  readonly streamsPerConnection: number;
  readonly watchdogMs: number;
  readonly rotateAfterMs: number;
  readonly overlapMs: number;
}

export interface ReplaySource {
  readonly kind: 'replay';
  readonly files: readonly string[];
  /** 1 = recorded speed, 10 = ten times faster, 0 = as fast as the pipeline takes it. */
  readonly speed: number;
}

export interface ProducerConfig {
  readonly market: Market;
  /** Upper-case symbols; for a replay, an empty list means every symbol in the recording. */
  readonly symbols: readonly string[];
  readonly source: LiveSource | ReplaySource;
  readonly recordFile?: string;
  readonly backfill: {
    readonly mode: BackfillMode;
    readonly weightBudgetPerMinute: number;
    readonly maxGapTrades: number;
  };
  readonly batching: {
    readonly lingerMs: number;
    readonly maxBodyBytes: number;
    readonly gzipMinBytes: number;
  };
  readonly sinks: readonly SinkName[];
  readonly sqsQueueUrl?: string;
  readonly pubsubTopic?: string;
  readonly stateDir: string;
  readonly spool: { readonly diskBudgetBytes: number; readonly memoryBudgetBytes: number };
  readonly http: { readonly host: string; readonly port: number } | undefined;
  readonly drainTimeoutMs: number;
  readonly logLevel: string;
}

const DEFAULT_URLS: Readonly<Record<Market, { ws: string; rest: string }>> = {
  spot: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  usdm: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
};

const MIB = 1024 * 1024;

export function loadConfig(env: Env): ProducerConfig {
  const market = oneOf<Market>(env, 'PRODUCER_MARKET', ['spot', 'usdm'], 'spot');
  const kind = oneOf(env, 'PRODUCER_SOURCE', ['live', 'replay'], 'live');
  const symbols =
    optionalText(env, 'PRODUCER_SYMBOLS') === undefined && kind === 'replay' ? [] : symbolList(env);
  const sinks = list(env, 'PRODUCER_SINKS', 'sqs,pubsub').map((s) => {
    if (s !== 'sqs' && s !== 'pubsub')
      throw new ConfigError('PRODUCER_SINKS', `unknown sink "${s}" (known: sqs, pubsub)`);
    return s;
  });
  const config: ProducerConfig = {
    market,
    symbols,
    source: kind === 'live' ? liveSource(env, market) : replaySource(env),
    ...optional('recordFile', optionalText(env, 'PRODUCER_RECORD_FILE')),
    backfill: {
      mode: oneOf<BackfillMode>(
        env,
        'PRODUCER_BACKFILL',
        ['historicalTrades', 'aggTrades', 'off'],
        'historicalTrades',
      ),
      weightBudgetPerMinute: integer(env, 'PRODUCER_REST_WEIGHT_BUDGET', 3000, 25, 6000),
      maxGapTrades: integer(env, 'PRODUCER_MAX_BACKFILL_TRADES', 1_000_000, 0),
    },
    batching: {
      lingerMs: duration(env, 'PRODUCER_LINGER_MS', 200, 0, 60_000),
      maxBodyBytes: bytes(env, 'PRODUCER_MAX_BATCH_BYTES', 256 * 1024, 4096, 1000 * 1024),
      gzipMinBytes: bytes(env, 'PRODUCER_GZIP_MIN_BYTES', 2048, 0, Number.MAX_SAFE_INTEGER),
    },
    sinks: [...new Set(sinks)],
    ...optional(
      'sqsQueueUrl',
      sinks.includes('sqs') ? url(env, 'PRODUCER_SQS_QUEUE_URL', undefined, ['http:', 'https:']) : undefined,
    ),
    ...optional('pubsubTopic', sinks.includes('pubsub') ? text(env, 'PRODUCER_PUBSUB_TOPIC') : undefined),
    stateDir: text(env, 'PRODUCER_STATE_DIR', '.producer-state'),
    spool: {
      diskBudgetBytes: bytes(env, 'PRODUCER_SPOOL_DISK_BUDGET', 1024 * MIB, MIB, Number.MAX_SAFE_INTEGER),
      memoryBudgetBytes: bytes(env, 'PRODUCER_SPOOL_MEMORY_BUDGET', 4 * MIB, MIB, 4096 * MIB),
    },
    http: httpConfig(env),
    drainTimeoutMs: duration(env, 'PRODUCER_DRAIN_TIMEOUT', 10_000, 0, 600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
  };
  return deepFreeze(config);
}

function symbolList(env: Env): string[] {
  return list(env, 'PRODUCER_SYMBOLS').map((s) => {
    try {
      return normalizeSymbol(s);
    } catch {
      throw new ConfigError('PRODUCER_SYMBOLS', `"${s}" is not a symbol`);
    }
  });
}

function liveSource(env: Env, market: Market): LiveSource {
  const defaults = DEFAULT_URLS[market];
  return {
    kind: 'live',
    wsUrl: url(env, 'BINANCE_WS_URL', defaults.ws, ['ws:', 'wss:']),
    restUrl: url(env, 'BINANCE_REST_URL', defaults.rest, ['http:', 'https:']),
    ...optional('apiKey', optionalText(env, 'BINANCE_API_KEY')),
    streamsPerConnection: integer(env, 'PRODUCER_STREAMS_PER_CONNECTION', 1024, 1, 1024),
    watchdogMs: duration(env, 'PRODUCER_WATCHDOG_TIMEOUT', 60_000, 1000, 600_000),
    rotateAfterMs: duration(env, 'PRODUCER_ROTATE_AFTER', 23 * 3_600_000, 10_000, 24 * 3_600_000 - 60_000),
    overlapMs: duration(env, 'PRODUCER_ROTATION_OVERLAP', 5000, 0, 60_000),
  };
}

function replaySource(env: Env): ReplaySource {
  return {
    kind: 'replay',
    files: list(env, 'PRODUCER_REPLAY_FILES'),
    speed: decimalNumber(env, 'PRODUCER_REPLAY_SPEED', 1, 0, 1_000_000),
  };
}

function httpConfig(env: Env): ProducerConfig['http'] {
  const raw = optionalText(env, 'PRODUCER_HTTP_PORT');
  if (raw === 'off') return undefined;
  return {
    host: text(env, 'PRODUCER_HTTP_HOST', '127.0.0.1'),
    port: integer(env, 'PRODUCER_HTTP_PORT', 9464, 0, 65535),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
