/** Errors of the producer. Each carries a stable `code` to count and branch on. */

export type ProducerErrorCode =
  | 'CONFIG' // a missing or malformed environment variable
  | 'SOURCE' // the trade source cannot be read (replay file missing, unreadable)
  | 'STATE'; // the persisted progress file is unreadable

export class ProducerError extends Error {
  readonly code: ProducerErrorCode;

  constructor(code: ProducerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerError';
    this.code = code;
  }
}

/** A configuration problem; `variable` names the environment variable at fault. */
export class ConfigError extends ProducerError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super('CONFIG', `${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
