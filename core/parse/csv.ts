/**
 * Parses data.binance.vision trade dumps into normalized trades.
 *
 * Spot trades:      id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch          (no header)
 * Futures trades:   id,price,qty,quote_qty,time,is_buyer_maker                   (header in some files)
 * Spot aggTrades:   aggId,price,qty,firstId,lastId,time,isBuyerMaker,isBestMatch (no header)
 * Futures aggTrades: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker
 *
 * The column count tells spot from futures, so one parser serves both. Spot files from 2025 on carry
 * microsecond times; toMillis tells them apart per row by magnitude.
 */
import { TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';
import { type BatchResult, collectBatch } from './batch.js';
import {
  isZeroDecimal,
  nonNegativeIntegerText,
  normalizeSymbol,
  positiveDecimal,
  spanTrade,
  toMillis,
} from './fields.js';

export type { BatchResult } from './batch.js';

type LineParser = (line: string, symbol: string, lineNo: number | undefined) => Trade | null;

/**
 * Parses one trades row. Returns null for a header, which is recognised only on line 1 (or when the
 * line number is unknown), so a garbled row further down is reported instead of silently skipped.
 */
export function parseTradeCsvLine(line: string, symbol: string, lineNo?: number): Trade | null {
  return tradeLine(line, normalizeSymbol(symbol), lineNo);
}

/** Parses one aggTrades row; null for a header (as above) or an audited-invalid record. */
export function parseAggTradeCsvLine(line: string, symbol: string, lineNo?: number): Trade | null {
  return aggTradeLine(line, normalizeSymbol(symbol), lineNo);
}

/** Parses a whole trades file; bad rows are reported with their line numbers, good ones kept. */
export function parseTradeCsv(text: string, symbol: string): BatchResult {
  return parseText(text, normalizeSymbol(symbol), tradeLine);
}

/** Parses a whole aggTrades file; audited-invalid rows are counted in `dropped`. */
export function parseAggTradeCsv(text: string, symbol: string): BatchResult {
  return parseText(text, normalizeSymbol(symbol), aggTradeLine);
}

function parseText(text: string, symbol: string, parseLine: LineParser): BatchResult {
  const lines = text.split('\n');
  // A final newline leaves one empty string behind; it is not a record.
  if (lines.length > 0 && stripCr(lines[lines.length - 1]!) === '') lines.pop();
  // A header is not a dropped record, so it is stepped over here rather than counted by collectBatch.
  const firstLine = lines.length > 0 && isHeader(splitLine(lines[0]!)) ? 2 : 1;
  return collectBatch(firstLine, lines.length, (lineNo) => parseLine(lines[lineNo - 1]!, symbol, lineNo));
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function splitLine(line: string): string[] {
  let text = stripCr(line);
  // Files saved by spreadsheet tools can start with a byte-order mark, which would hide the header.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split(',');
}

/** A header names its columns; a data row starts with an id. */
function isHeader(fields: string[]): boolean {
  return /^[A-Za-z_]/.test(fields[0]!);
}

function mayBeHeader(fields: string[], lineNo: number | undefined): boolean {
  return (lineNo === undefined || lineNo === 1) && isHeader(fields);
}

function tradeLine(line: string, symbol: string, lineNo: number | undefined): Trade | null {
  const f = splitLine(line);
  if (mayBeHeader(f, lineNo)) return null;
  try {
    checkColumns(f, 6, line);
    const trade: Trade = {
      symbol,
      id: nonNegativeIntegerText(f[0]!, 'id'),
      price: positiveDecimal(f[1], 'price'),
      qty: positiveDecimal(f[2], 'qty'),
      time: toMillis(nonNegativeIntegerText(f[4]!, 'time')),
      buyerIsMaker: csvBoolean(f[5]!, 'isBuyerMaker'),
    };
    // Futures rows have no isBestMatch; when present it is checked because a bad one means shifted columns.
    if (f.length === 7) csvBoolean(f[6]!, 'isBestMatch');
    return trade;
  } catch (err) {
    throw withLine(err, lineNo);
  }
}

function aggTradeLine(line: string, symbol: string, lineNo: number | undefined): Trade | null {
  const f = splitLine(line);
  if (mayBeHeader(f, lineNo)) return null;
  try {
    checkColumns(f, 7, line);
    if (f[3] === '-1' && f[4] === '-1' && isZeroDecimal(f[1]) && isZeroDecimal(f[2])) return null;
    nonNegativeIntegerText(f[0]!, 'aggId');
    const first = nonNegativeIntegerText(f[3]!, 'firstId');
    const last = nonNegativeIntegerText(f[4]!, 'lastId');
    if (last < first)
      throw new TradeParseError('lastId', f[4], `last trade id is below first trade id ${first}`);
    const trade = spanTrade(symbol, first, last, {
      price: positiveDecimal(f[1], 'price'),
      qty: positiveDecimal(f[2], 'qty'),
      time: toMillis(nonNegativeIntegerText(f[5]!, 'time')),
      buyerIsMaker: csvBoolean(f[6]!, 'isBuyerMaker'),
    });
    if (f.length === 8) csvBoolean(f[7]!, 'isBestMatch');
    return trade;
  } catch (err) {
    throw withLine(err, lineNo);
  }
}

/** Accepts the futures layout (`futures` columns) and the spot one, which adds isBestMatch. */
function checkColumns(fields: string[], futures: number, line: string): void {
  if (fields.length !== futures && fields.length !== futures + 1) {
    const reason = `expected ${futures} or ${futures + 1} columns, got ${fields.length}`;
    throw new TradeParseError('columns', line, reason);
  }
}

/** Python-written dumps say True/False; other tools write true/false. */
function csvBoolean(text: string, field: string): boolean {
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  throw new TradeParseError(field, text, 'not a boolean');
}

function withLine(err: unknown, lineNo: number | undefined): unknown {
  if (err instanceof TradeParseError && lineNo !== undefined) err.line = lineNo;
  return err;
}
