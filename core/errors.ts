/** Errors raised by the pure core. Every error carries a stable `code` callers can count and branch on. */

export type CoreErrorCode =
  | 'BAD_RECORD' // a trade record that cannot be parsed or fails validation
  | 'BAD_DECIMAL' // a decimal string that is not an exact decimal we can represent
  | 'BAD_INTERVAL' // an unknown kline interval
  | 'CONFLICT' // two candle states that overlap only partly, or disagree on the same coverage
  | 'BAD_CANDLE'; // a stored candle record that is malformed

export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}

/** A bad trade record: names the field and the offending value, and where it came from when known. */
export class TradeParseError extends CoreError {
  readonly field: string;
  readonly value: string;
  /** 1-based line number in the input, when the record came from a line-oriented source. */
  line: number | undefined;

  constructor(field: string, value: unknown, reason: string, line?: number) {
    const shown = showValue(value);
    super('BAD_RECORD', `${reason}: field ${field} = ${shown}`);
    this.name = 'TradeParseError';
    this.field = field;
    this.value = shown;
    this.line = line;
  }

  /** The message with the line number in front, for command-line output. */
  describe(): string {
    return this.line === undefined ? this.message : `line ${this.line}: ${this.message}`;
  }
}

const MAX_SHOWN = 80;

function showValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = '(missing)';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
