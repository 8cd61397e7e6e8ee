/**
 * The feed's progress per symbol (highest id safely spooled, ids still missing below it), kept in
 * the state directory so that a restart backfills the time the producer was down instead of
 * leaving a hole. Written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNormalized } from '../core/ranges.js';
import type { Market } from '../core/trade.js';
import { ProducerError } from './errors.js';
import type { SymbolProgress } from './feed/sequencer.js';

interface StateFile {
  readonly version: 1;
  readonly market: Market;
  readonly symbols: Readonly<Record<string, SymbolProgress>>;
}

export class ProgressStore {
  readonly #file: string;
  readonly #market: Market;

  constructor(dir: string, market: Market) {
    this.#file = join(dir, `progress-${market}.json`);
    this.#market = market;
  }

  get file(): string {
    return this.#file;
  }

  /** The saved progress, or an empty map on a first run. A damaged file stops start-up: guessing could hide a gap. */
  async load(): Promise<Map<string, SymbolProgress>> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new ProducerError('STATE', `cannot read ${this.#file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return parseState(text, this.#file, this.#market);
  }

  async save(progress: ReadonlyMap<string, SymbolProgress>): Promise<void> {
    const state: StateFile = { version: 1, market: this.#market, symbols: Object.fromEntries(progress) };
    await mkdir(join(this.#file, '..'), { recursive: true });
    const temp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(state)}\n`);
    await rename(temp, this.#file);
  }
}

function parseState(text: string, file: string, market: Market): Map<string, SymbolProgress> {
  const fail = (why: string): never => {
    throw new ProducerError(
      'STATE',
      `${file} is damaged (${why}); move it away to start without backfilling the downtime`,
    );
  };
  let parsed: StateFile;
  try {
    parsed = JSON.parse(text) as StateFile;
  } catch (err) {
    return fail((err as Error).message);
  }
  if (parsed?.version !== 1 || typeof parsed.symbols !== 'object' || parsed.symbols === null)
    fail('unknown layout');
  if (parsed.market !== market) fail(`it belongs to market ${parsed.market}`);
  const out = new Map<string, SymbolProgress>();
  for (const [symbol, p] of Object.entries(parsed.symbols)) {
    const ok = Number.isSafeInteger(p?.high) && Array.isArray(p?.missing) && isNormalized(p.missing);
    if (!ok || p.missing.some(([, last]) => last >= p.high)) fail(`bad entry for ${symbol}`);
    out.set(symbol, { high: p.high, missing: p.missing });
  }
  return out;
}
