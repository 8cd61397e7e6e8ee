/**
 * The normalized trade every source is parsed into.
 *
 * Prices and quantities stay decimal strings exactly as the exchange printed them; arithmetic on them
 * happens only through core/decimal.ts. Times are milliseconds since the epoch (sources in
 * microseconds are floored to the millisecond, which never moves a trade across a kline boundary).
 */
export interface Trade {
  /** Upper-case exchange symbol, e.g. BTCUSDT. */
  readonly symbol: string;
  /** Binance trade id; consecutive per symbol. */
  readonly id: number;
  /**
   * Set only when the record stands for several fills with consecutive ids `id..lastId` at one price
   * (an aggTrade). The kline count then grows by `lastId - id + 1`.
   */
  readonly lastId?: number;
  readonly price: string;
  readonly qty: string;
  /** Trade time in milliseconds since the epoch. */
  readonly time: number;
  /** True when the buyer was the maker, i.e. the taker sold. Taker-buy volumes count trades with false. */
  readonly buyerIsMaker: boolean;
}

export type Market = 'spot' | 'usdm';
