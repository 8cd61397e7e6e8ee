/**
 * Every line-oriented trade source behind one function: WebSocket frames, recorded frames,
 * data.binance.vision CSV rows, and REST JSON arrays. `detectFormat` recognises a source from its
 * first line so a user can pipe any of them in without saying which.
 */
import { TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';
import { parseAggTradeCsvLine, parseTradeCsvLine } from './csv.js';
import { parseFrame } from './frame.js';
import { parseRecordedLine } from './recorded.js';
import { parseAggTradeRecord, parseHistoricalTrade } from './rest.js';

export const SOURCE_FORMATS = [
  'frame',
  'recorded',
  'trades-csv',
  'aggtrades-csv',
  'rest-trades',
  'rest-aggtrades',
] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** Formats whose records do not name their symbol. */
export function needsSymbol(format: SourceFormat): boolean {
  return format !== 'frame' && format !== 'recorded';
}

/**
 * Guesses the format from the first non-empty line; undefined when it is none of them, and 'rest'
 * for a line that only opens a JSON array (its first element then decides between the REST formats).
 */
export function detectFormat(firstLine: string): SourceFormat | 'rest' | undefined {
  const line = firstLine.trim();
  if (line.startsWith('{')) return detectObject(line);
  if (/^[0-9]+ \{/.test(line)) return 'recorded';
  if (line.startsWith('[')) {
    const rest = line.slice(1).trim();
    // A pretty-printed array opens on a line of its own: the caller looks at the first element.
    if (rest === '') return 'rest';
    return detectObject(rest) === 'rest-aggtrades' ? 'rest-aggtrades' : 'rest-trades';
  }
  const cols = line.split(',');
  if (cols.length < 6) return undefined;
  if (/agg/i.test(cols[0]!)) return 'aggtrades-csv';
  if (/^[a-z_]+$/i.test(cols[0]!)) return 'trades-csv';
  // Trades rows have the maker flag in column 6, aggTrade rows in column 7.
  const isBool = (c: string | undefined) => c !== undefined && /^(true|false)$/i.test(c.trim());
  if (isBool(cols[5])) return 'trades-csv';
  if (isBool(cols[6])) return 'aggtrades-csv';
  return undefined;
}

/** A JSON object line: a WebSocket frame, or one element of a REST response printed per line. */
function detectObject(line: string): SourceFormat {
  if (/"(stream|e)"\s*:/.test(line)) return 'frame';
  if (/"price"\s*:/.test(line) && /"id"\s*:/.test(line)) return 'rest-trades';
  if (/"a"\s*:/.test(line)) return 'rest-aggtrades'; // frames always carry "e"; REST aggTrades never do
  return 'frame';
}

/** Parses one line to a trade, or null for a line that carries none (a header, a control frame...). */
export type LineParser = (line: string, lineNo: number) => Trade | null;

export function lineParser(format: SourceFormat, symbol?: string): LineParser {
  if (needsSymbol(format) && (symbol === undefined || symbol === '')) {
    throw new TradeParseError(
      'symbol',
      symbol,
      `format ${format} does not carry the symbol; it must be given`,
    );
  }
  const sym = symbol ?? '';
  switch (format) {
    case 'frame':
      return withLine((line) => frameTrade(line));
    case 'recorded':
      return withLine((line) => frameTrade(parseRecordedLine(line).frame));
    case 'trades-csv':
      return (line, lineNo) => parseTradeCsvLine(line, sym, lineNo);
    case 'aggtrades-csv':
      return (line, lineNo) => parseAggTradeCsvLine(line, sym, lineNo);
    case 'rest-trades':
      return withLine((line) => parseHistoricalTrade(JSON.parse(stripArrayPunctuation(line)), sym));
    case 'rest-aggtrades':
      return withLine((line) => parseAggTradeRecord(JSON.parse(stripArrayPunctuation(line)), sym));
  }
}

function frameTrade(frame: string): Trade | null {
  const event = parseFrame(frame);
  return event.kind === 'trade' ? event.trade : null;
}

/** REST arrays piped one element per line (as `jq -c '.[]'` prints them) may keep `[`, `,` and `]`. */
function stripArrayPunctuation(line: string): string {
  return line
    .trim()
    .replace(/^\[/, '')
    .replace(/[,\]]+$/, '');
}

function withLine(parse: (line: string) => Trade | null): LineParser {
  return (line, lineNo) => {
    try {
      return parse(line);
    } catch (err) {
      if (err instanceof TradeParseError) {
        err.line = lineNo;
        throw err;
      }
      if (err instanceof SyntaxError) {
        throw new TradeParseError('record', line, `not valid JSON (${err.message})`, lineNo);
      }
      throw err;
    }
  };
}
