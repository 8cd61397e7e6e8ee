/** Errors of the Binance REST client. Each carries a stable `code` to count and branch on. */
import type { TradeParseError } from '../../core/errors.js';

export type RestErrorCode =
  | 'REJECTED' // Binance answered 4xx with its own code and msg: the request itself is wrong, retrying won't help
  | 'BAD_RESPONSE' // a 2xx body that is not JSON, or holds a record that fails validation
  | 'UNAVAILABLE' // network errors, timeouts or 5xx outlasted the retries
  | 'RATE_LIMITED' // 429/418 kept coming after the allowed number of pauses
  | 'CLOSED' // the client was closed while the request waited or ran
  | 'BAD_ARGUMENT'; // the caller asked for something the endpoint cannot serve

export class RestError extends Error {
  readonly code: RestErrorCode;
  /** The HTTP status of the last response, when there was one. */
  readonly status: number | undefined;

  constructor(code: RestErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'RestError';
    this.code = code;
    this.status = options?.status;
  }
}

/** Binance refused the request (other than rate limits), e.g. -1121 invalid symbol, -1100 bad parameter. */
export class BinanceRejectedError extends RestError {
  /** Binance's own error code (negative), when the body carried one. */
  readonly binanceCode: number | undefined;
  readonly binanceMsg: string | undefined;

  constructor(path: string, status: number, binanceCode: number | undefined, binanceMsg: string | undefined) {
    const detail = binanceCode === undefined ? 'no Binance error code' : `${binanceCode} ${binanceMsg ?? ''}`;
    super('REJECTED', `${path}: HTTP ${status}: ${detail.trim()}`, { status });
    this.name = 'BinanceRejectedError';
    this.binanceCode = binanceCode;
    this.binanceMsg = binanceMsg;
  }
}

/**
 * A response we cannot take as a whole: never skipped record by record, since a skipped trade is a hole
 * nobody would report. `field` is the JSON key at fault ('body' when the body itself is wrong).
 */
export class BadResponseError extends RestError {
  readonly field: string;
  readonly value: string;
  /** 0-based index of the bad element in the response array, when one element is at fault. */
  readonly index: number | undefined;

  constructor(
    path: string,
    field: string,
    value: string,
    index: number | undefined,
    reason: string,
    cause?: unknown,
  ) {
    const where = index === undefined ? '' : `element ${index}: `;
    super('BAD_RESPONSE', `${path}: ${where}${reason}: field ${field} = ${value}`, { cause });
    this.name = 'BadResponseError';
    this.field = field;
    this.value = value;
    this.index = index;
  }

  /** Wraps the core parser's error; `index` is 0-based. */
  static fromParse(path: string, err: TradeParseError, index: number | undefined): BadResponseError {
    const reason = err.message.replace(/: field .*$/s, '');
    return new BadResponseError(path, err.field, err.value, index, reason, err);
  }
}
