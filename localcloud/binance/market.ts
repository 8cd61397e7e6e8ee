/**
 * The exchange's trade history, the truth tests compare against: per symbol, consecutive trade ids
 * from a start id, times that never go back, and the aggregate trades derived from them. Whether a
 * new trade goes out on the WebSocket is decided here (skipOnWebSocket), after it is in the
 * history, so a hidden trade is still served over REST as on the real exchange.
 */
import { formatUnits, parseUnits, type Units } from '../../core/decimal.js';
import { syntheticTrades, tradeFrame } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import { AggTradeBook, pageFromEnd, pageFromStart } from './agg-trades.js';
import { BinanceStandInError, unknownSymbol } from './errors.js';

/** A trade to append with `publish`; the id is the next one, the time defaults to the clock. */
export interface Fill {
  readonly price: string;
  readonly qty: string;
  readonly buyerIsMaker: boolean;
  readonly time?: number;
}

/** Called for every trade that goes out on the WebSocket, with its combined-stream frame. */
export type TradeListener = (trade: Trade, combinedFrame: string) => void;

export interface MarketOptions {
  readonly startIds?: Readonly<Record<string, number>>;
  readonly seed?: number;
  readonly now: () => number;
}

interface Book {
  readonly startId: number;
  readonly trades: Trade[];
  readonly aggs: AggTradeBook;
  /** Prices, sizes and sides come from the synthetic market; ids and times are assigned here. */
  readonly source: Iterator<Trade>;
  hiddenFromWebSocket: number;
}

const DEFAULT_START_ID = 1_000_000;

export class Market {
  private readonly books = new Map<string, Book>();
  private readonly listeners: TradeListener[] = [];

  constructor(
    symbols: readonly string[],
    private readonly options: MarketOptions,
  ) {
    symbols.forEach((symbol, i) => {
      const startId = options.startIds?.[symbol] ?? DEFAULT_START_ID;
      const source = syntheticTrades(Number.MAX_SAFE_INTEGER, { symbol, seed: (options.seed ?? 1) + i });
      this.books.set(symbol, {
        startId,
        trades: [],
        aggs: new AggTradeBook(),
        source,
        hiddenFromWebSocket: 0,
      });
    });
  }

  has(symbol: string): boolean {
    return this.books.has(symbol);
  }

  symbols(): string[] {
    return [...this.books.keys()];
  }

  onTrade(listener: TradeListener): void {
    this.listeners.push(listener);
  }

  /** Appends `count` synthetic trades at the current time and broadcasts them. */
  generate(symbol: string, count: number): Trade[] {
    const book = this.book(symbol);
    const fills: Fill[] = [];
    for (let i = 0; i < count; i++) {
      const t = book.source.next().value as Trade;
      fills.push({ price: t.price, qty: t.qty, buyerIsMaker: t.buyerIsMaker });
    }
    return this.append(symbol, book, fills);
  }

  /** Appends explicit trades; prices and quantities are printed with 8 decimals as Binance does. */
  publish(symbol: string, fills: readonly Fill[]): Trade[] {
    return this.append(symbol, this.book(symbol), fills);
  }

  history(symbol: string): readonly Trade[] {
    return this.book(symbol).trades.slice();
  }

  /** The id of the newest trade; one below the start id while there is none. */
  lastId(symbol: string): number {
    const book = this.book(symbol);
    return book.startId + book.trades.length - 1;
  }

  /** Trades with ids from `fromId` on, or without it the most recent `limit`. */
  trades(symbol: string, fromId: number | undefined, limit: number): readonly Trade[] {
    const book = this.book(symbol);
    const n = book.trades.length;
    const page =
      fromId === undefined ? pageFromEnd(0, n, limit) : pageFromStart(fromId - book.startId, n, limit);
    return book.trades.slice(page.start, page.end);
  }

  aggTrades(symbol: string): AggTradeBook {
    return this.book(symbol).aggs;
  }

  /** The next `count` trades of the symbol go into the history but not out on any WebSocket. */
  skipOnWebSocket(symbol: string, count: number): void {
    this.book(symbol).hiddenFromWebSocket += count;
  }

  /** Generates trades at an average rate per symbol until the returned function is called. */
  startAutoGeneration(tradesPerSecond: number): () => void {
    const startedAt = this.options.now();
    const done = new Map<string, number>();
    const tickMs = Math.max(10, Math.min(100, 1000 / tradesPerSecond));
    const timer = setInterval(() => {
      const due = Math.floor(((this.options.now() - startedAt) * tradesPerSecond) / 1000);
      for (const symbol of this.books.keys()) {
        const count = due - (done.get(symbol) ?? 0);
        if (count > 0) this.generate(symbol, count);
        done.set(symbol, due);
      }
    }, tickMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private book(symbol: string): Book {
    const book = this.books.get(symbol);
    if (book === undefined) throw unknownSymbol(symbol);
    return book;
  }

  private append(symbol: string, book: Book, fills: readonly Fill[]): Trade[] {
    const now = this.options.now();
    let lastTime = book.trades.at(-1)?.time ?? 0;
    // Checked before anything is appended, so a bad batch leaves the history as it was.
    const trades = fills.map((fill, i) => {
      const trade = toTrade(symbol, book.startId + book.trades.length + i, fill, Math.max(now, lastTime));
      if (trade.time < lastTime) {
        throw new BinanceStandInError(
          'BAD_TRADE',
          `trade ${trade.id} time ${trade.time} is before ${lastTime}`,
        );
      }
      lastTime = trade.time;
      return trade;
    });
    for (const trade of trades) {
      book.trades.push(trade);
      book.aggs.add(trade);
      if (book.hiddenFromWebSocket > 0) book.hiddenFromWebSocket--;
      else for (const listener of this.listeners) listener(trade, tradeFrame(trade));
    }
    return trades;
  }
}

function toTrade(symbol: string, id: number, fill: Fill, defaultTime: number): Trade {
  const price = decimal(id, fill.price, 'price');
  const qty = decimal(id, fill.qty, 'qty');
  if (price === 0 || qty === 0) {
    throw new BinanceStandInError('BAD_TRADE', `trade ${id} has a zero price or quantity`);
  }
  const time = fill.time ?? defaultTime;
  if (!Number.isSafeInteger(time) || time < 0) {
    throw new BinanceStandInError('BAD_TRADE', `trade ${id} time ${time} is not a millisecond timestamp`);
  }
  return {
    symbol,
    id,
    price: formatUnits(price),
    qty: formatUnits(qty),
    time,
    buyerIsMaker: fill.buyerIsMaker,
  };
}

function decimal(id: number, text: string, field: string): Units {
  try {
    return parseUnits(text, field);
  } catch (err) {
    throw new BinanceStandInError('BAD_TRADE', `trade ${id}: ${(err as Error).message}`, { cause: err });
  }
}
