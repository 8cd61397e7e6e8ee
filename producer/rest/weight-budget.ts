/**
 * Our share of Binance's per-IP request weight, counted per UTC minute the way Binance counts it.
 *
 * The server's `X-MBX-USED-WEIGHT-1M` is the authority: it includes what other tools on the same IP
 * spent. Between responses we add the weight of requests still in flight, so that concurrent callers
 * cannot all squeeze into the last few units of the window.
 */

export const WINDOW_MS = 60_000;

/**
 * Binance rolls the window on its clock, not ours; waiting a little past our minute boundary keeps a
 * slightly slow local clock from sending into the old, full window.
 */
export const WINDOW_SKEW_MS = 500;

export class WeightBudget {
  private window = Number.NEGATIVE_INFINITY;
  private used = 0;
  private inFlight = 0;

  constructor(private readonly limit: number) {
    if (!Number.isFinite(limit) || limit <= 0)
      throw new RangeError(`weight budget must be > 0, got ${limit}`);
  }

  /**
   * Reserves `weight` when it fits in the window at `now` and returns 0; otherwise returns how long to
   * wait for the next window. A request heavier than the whole budget still goes alone into an empty
   * window, or it would wait forever.
   */
  reserve(weight: number, now: number): number {
    this.roll(now);
    const committed = this.used + this.inFlight;
    if (committed > 0 && committed + weight > this.limit) {
      return (this.window + 1) * WINDOW_MS - now + WINDOW_SKEW_MS;
    }
    this.inFlight += weight;
    return 0;
  }

  /**
   * Settles a reservation made at `startedAt`. `usedHeader` is the server's count from the response, when
   * it carried one; without it the request's own weight is added (a request that failed on the network
   * may still have been counted). A request that crossed a window boundary was counted in the old window,
   * and its header cannot be placed, so it changes nothing in the new one.
   */
  settle(weight: number, startedAt: number, now: number, usedHeader: number | undefined): void {
    this.roll(now);
    this.inFlight = Math.max(0, this.inFlight - weight);
    if (windowOf(startedAt) !== this.window) return;
    // Concurrent responses may arrive out of order; within a window the server's count only grows.
    this.used = usedHeader === undefined ? this.used + weight : Math.max(this.used, usedHeader);
  }

  /** Used weight of the current window as we know it, in flight included. */
  committed(now: number): number {
    this.roll(now);
    return this.used + this.inFlight;
  }

  private roll(now: number): void {
    const w = windowOf(now);
    if (w > this.window) {
      this.window = w;
      this.used = 0;
    }
  }
}

export function windowOf(time: number): number {
  return Math.floor(time / WINDOW_MS);
}

/** Reads `X-MBX-USED-WEIGHT-1M`; undefined when absent or not a count. */
export function usedWeightHeader(headers: Headers): number | undefined {
  const raw = headers.get('x-mbx-used-weight-1m');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
