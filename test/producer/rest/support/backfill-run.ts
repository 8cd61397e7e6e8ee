/** Runs a Backfiller against a fake exchange and collects what it hands over, for the backfill tests. */
import type { Trade } from '../../../../core/trade.js';
import {
  Backfiller,
  type BackfillOptions,
  type BackfillOutcome,
  type Gap,
} from '../../../../producer/rest/backfill.js';
import type { BackfillRest } from '../../../../producer/rest/gap-pages.js';
import type { FakeExchange } from './fake-exchange.js';

export const START = 1_000_000;
export const NOW = Date.UTC(2026, 0, 5, 12);

export interface Run {
  backfiller: Backfiller;
  /** Each onTrades call's trades, in order. */
  chunks: Trade[][];
  /** Each onDone call, in order. */
  done: [Gap, BackfillOutcome][];
}

/** A Backfiller in historicalTrades mode with fast retries, unless `extra` says otherwise. */
export function backfill(rest: BackfillRest, extra: Partial<BackfillOptions> = {}): Run {
  const chunks: Trade[][] = [];
  const done: [Gap, BackfillOutcome][] = [];
  const backfiller = new Backfiller({
    rest,
    mode: 'historicalTrades',
    maxGapTrades: 10_000,
    onTrades: (_symbol, trades) => chunks.push(trades),
    onDone: (gap, outcome) => done.push([gap, outcome]),
    retryBaseMs: 5,
    ...extra,
  });
  return { backfiller, chunks, done };
}

/** First and last id of each chunk. */
export function spans(chunks: Trade[][]): number[][] {
  return chunks.map((c) => [c[0]!.id, c[c.length - 1]!.lastId ?? c[c.length - 1]!.id]);
}

/** Holds every call of the exchange until the returned function is called. */
export function gate(ex: FakeExchange): () => void {
  let release!: () => void;
  ex.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return release;
}
