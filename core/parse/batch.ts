/** The result of parsing many records: good ones kept next to the errors of the bad ones. */
import { TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';

export interface BatchResult {
  /** The good records, in input order. */
  trades: Trade[];
  /** One error per bad record, each with `line` set; a bad record never stops the batch. */
  errors: TradeParseError[];
  /** Records Binance itself marks invalid (audited aggTrades): skipped on purpose, so not errors. */
  dropped: number;
}

/**
 * Runs `parseAt` for line numbers firstLine..lastLine. A null result is a record dropped on purpose;
 * a TradeParseError is kept with its line, and anything else is a bug and propagates.
 */
export function collectBatch(
  firstLine: number,
  lastLine: number,
  parseAt: (lineNo: number) => Trade | null,
): BatchResult {
  const result: BatchResult = { trades: [], errors: [], dropped: 0 };
  for (let lineNo = firstLine; lineNo <= lastLine; lineNo++) {
    try {
      const trade = parseAt(lineNo);
      if (trade === null) result.dropped++;
      else result.trades.push(trade);
    } catch (err) {
      if (!(err instanceof TradeParseError)) throw err;
      err.line = lineNo;
      result.errors.push(err);
    }
  }
  return result;
}
