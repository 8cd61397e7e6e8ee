/**
 * Completeness: which trade ids a candle or a series of candles is missing.
 *
 * Trade ids are consecutive per symbol, so a candle is complete when its own ids have no holes and
 * it meets its neighbours: its first id follows the previous candle's last id and its last id
 * precedes the next candle's first. Without a known neighbour the edge cannot be proven complete.
 */
import type { Candle } from './candle.js';
import { holes, type IdRange } from './ranges.js';

export interface Completeness {
  readonly complete: boolean;
  /** Missing ids: holes inside the candle and, where neighbours are known, at its edges. */
  readonly gaps: readonly IdRange[];
}

export interface Neighbours {
  /** Last trade id of the nearest earlier candle with trades. */
  readonly prevLastId?: number;
  /** First trade id of the nearest later candle with trades. */
  readonly nextFirstId?: number;
}

export function completeness(candle: Candle, neighbours: Neighbours): Completeness {
  const { prevLastId, nextFirstId } = neighbours;
  const gaps: IdRange[] = [];
  if (candle.count === 0) {
    if (prevLastId !== undefined && nextFirstId !== undefined && nextFirstId > prevLastId + 1) {
      gaps.push([prevLastId + 1, nextFirstId - 1]);
    }
  } else {
    if (prevLastId !== undefined && candle.firstId > prevLastId + 1)
      gaps.push([prevLastId + 1, candle.firstId - 1]);
    gaps.push(...holes(candle.ranges));
    if (nextFirstId !== undefined && nextFirstId > candle.lastId + 1)
      gaps.push([candle.lastId + 1, nextFirstId - 1]);
  }
  const edgesKnown = prevLastId !== undefined && nextFirstId !== undefined;
  return { complete: edgesKnown && gaps.length === 0, gaps };
}

/**
 * The ids missing from a series of candles of one symbol, ordered by open time: holes inside each
 * candle and between consecutive candles. Ids before the first or after the last are not judged.
 */
export function seriesGaps(candles: readonly Candle[]): IdRange[] {
  const gaps: IdRange[] = [];
  let prevLast: number | undefined;
  for (const c of candles) {
    if (c.count === 0) continue;
    if (prevLast !== undefined && c.firstId > prevLast + 1) gaps.push([prevLast + 1, c.firstId - 1]);
    gaps.push(...holes(c.ranges));
    if (prevLast === undefined || c.lastId > prevLast) prevLast = c.lastId;
  }
  return gaps;
}
