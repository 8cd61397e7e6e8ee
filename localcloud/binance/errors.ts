/**
 * Errors of the Binance stand-in. `BinanceStandInError` is what a test gets when it misuses the
 * controls; `RestError` is a request the stand-in refuses, answered with Binance's own status and
 * `{"code":<negative Binance code>,"msg":...}` body.
 */

export type BinanceStandInErrorCode =
  | 'BAD_OPTION' // a startBinance option out of range
  | 'UNKNOWN_SYMBOL' // a control call for a symbol the stand-in does not list
  | 'BAD_TRADE' // explicit trades that Binance could not have printed
  | 'REST_REJECTED'; // a REST request answered with an error

export class BinanceStandInError extends Error {
  readonly code: BinanceStandInErrorCode;

  constructor(code: BinanceStandInErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BinanceStandInError';
    this.code = code;
  }
}

/** A refused REST request: HTTP status, Binance's error code and message. */
export class RestError extends BinanceStandInError {
  readonly status: number;
  readonly apiCode: number;

  constructor(status: number, apiCode: number, msg: string) {
    super('REST_REJECTED', msg);
    this.name = 'RestError';
    this.status = status;
    this.apiCode = apiCode;
  }

  body(): string {
    return JSON.stringify({ code: this.apiCode, msg: this.message });
  }
}

export function missingParam(name: string): RestError {
  return new RestError(
    400,
    -1102,
    `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  );
}

export function illegalParam(name: string, legal: string): RestError {
  return new RestError(
    400,
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`,
  );
}

export function invalidSymbol(): RestError {
  return new RestError(400, -1121, 'Invalid symbol.');
}

export function unknownSymbol(symbol: string): BinanceStandInError {
  return new BinanceStandInError(
    'UNKNOWN_SYMBOL',
    `The stand-in does not list symbol ${JSON.stringify(symbol)}`,
  );
}
