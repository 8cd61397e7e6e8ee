/**
 * The feed side of the producer: frames are parsed, trades pass the sequencer (duplicates dropped,
 * gaps found), gaps go to the backfill, and new trades from both go to the batcher. Bad frames are
 * counted and logged (sampled), never fatal.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { TradeParseError } from '../core/errors.js';
import { parseFrame } from '../core/parse/frame.js';
import { formatRanges, type IdRange, rangeSize } from '../core/ranges.js';
import type { Trade } from '../core/trade.js';
import type { Batcher } from './batcher.js';
import type { Gap, Sequencer } from './feed/sequencer.js';
import type { ProducerMetrics } from './metrics.js';

export interface UnfilledGap {
  readonly symbol: string;
  readonly ranges: string;
  readonly reason: string;
  readonly at: number;
}

export interface TradeFlowOptions {
  readonly batcher: Batcher;
  readonly metrics: ProducerMetrics;
  readonly logger: Logger;
  /** Only these symbols pass; empty lets every symbol through (a replay of a whole recording). */
  readonly symbols: readonly string[];
}

const RECENT_UNFILLED = 100;

export class TradeFlow {
  readonly #o: TradeFlowOptions;
  #sequencer: Sequencer | undefined;
  readonly #allowed: ReadonlySet<string> | undefined;
  readonly #received = new Map<string, Counter.Internal>();
  readonly #unfilled: UnfilledGap[] = [];
  #badFrames = 0;

  constructor(options: TradeFlowOptions) {
    this.#o = options;
    this.#allowed = options.symbols.length === 0 ? undefined : new Set(options.symbols);
  }

  /** Set once; the sequencer's gap callback needs the backfill, which needs this flow. */
  attach(sequencer: Sequencer): void {
    this.#sequencer = sequencer;
  }

  get badFrames(): number {
    return this.#badFrames;
  }

  unfilledGaps(): readonly UnfilledGap[] {
    return this.#unfilled;
  }

  onFrame(text: string, receivedAt: number): void {
    let event: ReturnType<typeof parseFrame>;
    try {
      event = parseFrame(text);
    } catch (err) {
      this.badFrame(err, text);
      return;
    }
    if (event.kind === 'trade') this.#live(event.trade, receivedAt);
    else if (event.kind === 'shutdown')
      this.#o.logger.info({ stream: event.stream }, 'server announced a shutdown; rotating');
    else if (event.kind === 'control')
      this.#o.logger.debug({ id: event.id, result: event.result }, 'control reply');
  }

  /** Counts and logs a frame that failed to parse; the first ones in full, then every 1000th. */
  badFrame(err: unknown, where: string): void {
    const field = err instanceof TradeParseError ? err.field : 'frame';
    const message = err instanceof Error ? err.message : String(err);
    this.#badFrames++;
    this.#o.metrics.badFrames.inc({ field });
    if (this.#badFrames <= 20 || this.#badFrames % 1000 === 0) {
      this.#o.logger.warn(
        { field, err: message, frame: where.slice(0, 300), count: this.#badFrames },
        'bad frame skipped',
      );
    }
  }

  /** Trades fetched from REST for a gap. */
  onBackfill(symbol: string, trades: readonly Trade[]): void {
    const now = Date.now();
    let added = 0;
    for (const t of trades) {
      const verdict = this.#seq().accept(t);
      if (verdict === 'new') {
        added += (t.lastId ?? t.id) - t.id + 1;
        this.#o.batcher.add(t, now, 'backfill');
      } else if (verdict === 'partial') {
        this.unfilled(symbol, [[t.id, t.lastId ?? t.id]], 'partial-aggtrade');
      }
    }
    if (added > 0) this.#o.metrics.backfilled.inc({ symbol }, added);
  }

  onGap(gap: Gap): void {
    const size = gap.last - gap.first + 1;
    this.#o.metrics.gaps.inc({ symbol: gap.symbol });
    this.#o.metrics.gapTrades.inc({ symbol: gap.symbol }, size);
    this.#o.logger.warn(
      { symbol: gap.symbol, firstId: gap.first, lastId: gap.last, trades: size },
      'gap in trade ids',
    );
  }

  /** Ids that will not be filled: reported loudly, kept in the health report, no longer waited for. */
  unfilled(symbol: string, ranges: readonly IdRange[], reason: string): void {
    if (ranges.length === 0) return;
    this.#seq().abandon(symbol, ranges);
    const text = formatRanges(ranges);
    const count = rangeSize(ranges);
    this.#o.metrics.unfilled.inc({ symbol }, count);
    this.#o.logger.error({ symbol, ranges: text, trades: count, reason }, 'trade ids could not be filled');
    this.#unfilled.push({ symbol, ranges: text, reason, at: Date.now() });
    if (this.#unfilled.length > RECENT_UNFILLED) this.#unfilled.shift();
  }

  #live(trade: Trade, receivedAt: number): void {
    if (this.#allowed !== undefined && !this.#allowed.has(trade.symbol)) return;
    const verdict = this.#seq().accept(trade);
    if (verdict !== 'new') {
      this.#o.metrics.duplicates.inc({ symbol: trade.symbol });
      return;
    }
    this.#counter(trade.symbol).inc();
    this.#o.batcher.add(trade, receivedAt, 'live');
  }

  #counter(symbol: string): Counter.Internal {
    let c = this.#received.get(symbol);
    if (c === undefined) {
      c = this.#o.metrics.tradesReceived.labels({ symbol });
      this.#received.set(symbol, c);
    }
    return c;
  }

  #seq(): Sequencer {
    if (this.#sequencer === undefined) throw new Error('TradeFlow used before a sequencer was attached');
    return this.#sequencer;
  }
}
