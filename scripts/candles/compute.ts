/**
 * `candles compute`: trades on stdin (any source format) → Binance 12-column kline CSV on stdout,
 * one row per interval from the first trade's to the last's, empty intervals filled.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CandleAggregator } from '../../core/aggregate.js';
import { seriesGaps } from '../../core/coverage.js';
import { CoreError, TradeParseError } from '../../core/errors.js';
import { fillEmptyIntervals } from '../../core/fill.js';
import type { Interval } from '../../core/interval.js';
import { klineCsvLine } from '../../core/kline.js';
import { parseAggTrades, parseHistoricalTrades } from '../../core/parse/rest.js';
import { detectFormat, type LineParser, lineParser, type SourceFormat } from '../../core/parse/source.js';
import { formatRanges, rangeSize } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';

export interface ComputeOptions {
  readonly interval: Interval;
  readonly format: SourceFormat | 'auto';
  readonly symbol?: string;
  readonly skipBad: boolean;
  readonly fill: boolean;
}

export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

const MAX_ERRORS_SHOWN = 20;

/** Thrown for input that cannot be processed at all; the message is for the user. */
export class InputError extends Error {}

/** Runs the command; resolves to the process exit code. */
export async function runCompute(opts: ComputeOptions, io: Io): Promise<number> {
  const agg = new CandleAggregator(opts.interval);
  const errors: TradeParseError[] = [];
  const symbolFilter = opts.symbol?.toUpperCase();
  const accept = (t: Trade) => {
    if (symbolFilter === undefined || t.symbol === symbolFilter) agg.add(t);
  };
  try {
    await readTrades(opts, io.stdin, accept, errors);
  } catch (err) {
    if (err instanceof InputError || err instanceof CoreError) {
      io.stderr.write(`candles compute: ${describe(err)}\n`);
      return 1;
    }
    throw err;
  }
  if (errors.length > 0) {
    reportErrors(errors, io.stderr);
    if (!opts.skipBad) {
      io.stderr.write(
        'candles compute: no candles written; fix the input or pass --skip-bad to leave bad records out\n',
      );
      return 1;
    }
  }
  const candles = agg.candles();
  const symbols = [...new Set(candles.map((c) => c.symbol))];
  if (symbols.length > 1) {
    io.stderr.write(
      `candles compute: the input holds several symbols (${symbols.join(', ')}); choose one with --symbol\n`,
    );
    return 1;
  }
  const gaps = seriesGaps(candles);
  if (gaps.length > 0) {
    io.stderr.write(
      `candles compute: warning: ${rangeSize(gaps)} trade ids missing from the input: ${formatRanges(gaps.slice(0, 10))}${gaps.length > 10 ? ',…' : ''}\n`,
    );
  }
  if (agg.stats.duplicates > 0)
    io.stderr.write(`candles compute: ${agg.stats.duplicates} duplicate trades ignored\n`);
  for (const c of opts.fill ? fillEmptyIntervals(candles) : candles) io.stdout.write(`${klineCsvLine(c)}\n`);
  return 0;
}

async function readTrades(
  opts: ComputeOptions,
  stdin: Readable,
  accept: (t: Trade) => void,
  errors: TradeParseError[],
): Promise<void> {
  let parse: LineParser | undefined;
  let format: SourceFormat | 'rest' | 'auto' = opts.format;
  let lineNo = 0;
  let rest: NumberedLine[] | undefined;
  for await (const line of createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (line.trim() === '') continue;
    if (rest !== undefined) {
      rest.push({ line, lineNo });
      continue;
    }
    if (parse === undefined) {
      if (format === 'auto') format = detectOrFail(line, lineNo);
      if (format === 'rest' || format === 'rest-trades' || format === 'rest-aggtrades') {
        rest = [{ line, lineNo }];
        continue;
      }
      parse = lineParser(format, opts.symbol);
    }
    try {
      const trade = parse(line, lineNo);
      if (trade !== null) accept(trade);
    } catch (err) {
      if (!(err instanceof TradeParseError)) throw err;
      err.line ??= lineNo;
      errors.push(err);
    }
  }
  if (rest !== undefined) readRest(rest, format as SourceFormat | 'rest', opts.symbol, accept, errors);
}

interface NumberedLine {
  readonly line: string;
  readonly lineNo: number;
}

/**
 * A REST response is one JSON array (on one line or pretty-printed; errors then number the array's
 * elements) or one element per line (errors number the input lines).
 */
function readRest(
  lines: readonly NumberedLine[],
  format: SourceFormat | 'rest',
  symbol: string | undefined,
  accept: (t: Trade) => void,
  errors: TradeParseError[],
): void {
  let whole: unknown;
  try {
    whole = JSON.parse(lines.map((l) => l.line).join('\n'));
  } catch {
    whole = undefined;
  }
  if (format === 'rest') {
    if (!Array.isArray(whole))
      throw new InputError('the input opens a JSON array but is not one; pass --format');
    const first: unknown = whole[0];
    format = typeof first === 'object' && first !== null && 'a' in first ? 'rest-aggtrades' : 'rest-trades';
  }
  const perLine = lineParser(format, symbol);
  if (Array.isArray(whole)) {
    const sym = symbol ?? '';
    const result = format === 'rest-trades' ? parseHistoricalTrades(whole, sym) : parseAggTrades(whole, sym);
    result.trades.forEach(accept);
    errors.push(...result.errors);
    return;
  }
  for (const { line, lineNo } of lines) {
    try {
      const trade = perLine(line, lineNo);
      if (trade !== null) accept(trade);
    } catch (err) {
      if (!(err instanceof TradeParseError)) throw err;
      errors.push(err);
    }
  }
}

function detectOrFail(line: string, lineNo: number): SourceFormat | 'rest' {
  const format = detectFormat(line);
  if (format === undefined) {
    throw new InputError(
      `line ${lineNo}: cannot tell the input format from ${JSON.stringify(line.slice(0, 60))}; pass --format`,
    );
  }
  return format;
}

function reportErrors(errors: TradeParseError[], stderr: Writable): void {
  for (const err of errors.slice(0, MAX_ERRORS_SHOWN)) stderr.write(`candles compute: ${err.describe()}\n`);
  if (errors.length > MAX_ERRORS_SHOWN)
    stderr.write(`candles compute: … and ${errors.length - MAX_ERRORS_SHOWN} more bad records\n`);
  stderr.write(`candles compute: ${errors.length} bad record${errors.length === 1 ? '' : 's'}\n`);
}

function describe(err: Error): string {
  return err instanceof TradeParseError ? err.describe() : err.message;
}
