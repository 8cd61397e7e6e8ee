/** The trades in recordings, as the truth to check the queues against. */
import { parseFrame } from '../../core/parse/frame.js';
import { parseRecordedLine } from '../../core/parse/recorded.js';
import type { IdRange } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';
import { lastIdOf, type WireBatch } from '../../core/wire.js';
import { readLines } from '../../producer/sources/line-reader.js';
import { type CoverageReport, coverage } from './queues.js';

/** Trades by symbol and id; lines that are not trades are skipped (the producer counts them). */
export async function readRecordedTrades(files: readonly string[]): Promise<Map<string, Map<number, Trade>>> {
  const out = new Map<string, Map<number, Trade>>();
  for (const file of files) {
    for await (const line of readLines(file)) {
      try {
        const event = parseFrame(parseRecordedLine(line).frame);
        if (event.kind !== 'trade') continue;
        let bySymbol = out.get(event.trade.symbol);
        if (bySymbol === undefined) {
          bySymbol = new Map();
          out.set(event.trade.symbol, bySymbol);
        }
        bySymbol.set(event.trade.id, event.trade);
      } catch {
        // A malformed line is not a trade the exchange sent.
      }
    }
  }
  return out;
}

/**
 * One coverage report per symbol: against the recorded trades when given (expected ids first..last of
 * the recording), else against the span the batches themselves cover.
 */
export function expectedIds(
  batches: readonly WireBatch[],
  truth?: ReadonlyMap<string, ReadonlyMap<number, Trade>>,
): CoverageReport[] {
  const spans = new Map<string, IdRange>();
  if (truth !== undefined) {
    for (const [symbol, trades] of truth) spans.set(symbol, span(trades.keys()));
  } else {
    for (const b of batches) {
      const [lo, hi] = spans.get(b.symbol) ?? [b.firstId, b.lastId];
      spans.set(b.symbol, [
        Math.min(lo, b.firstId),
        Math.max(hi, lastIdOf(b.trades[b.trades.length - 1] as Trade)),
      ]);
    }
  }
  return [...spans]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([symbol, ids]) => coverage(symbol, batches, truth?.get(symbol), ids));
}

function span(ids: Iterable<number>): IdRange {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  return [lo, hi];
}
