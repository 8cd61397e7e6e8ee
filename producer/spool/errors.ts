/** Errors raised by the spool. Every error carries a stable `code` callers can count and branch on. */

export type SpoolErrorCode =
  | 'BAD_OPTIONS' // an option is missing or out of range
  | 'LOCKED' // another live Spool holds the directory
  | 'IO' // a file operation failed; the spool can no longer promise what it was asked to
  | 'CODEC' // the codec could not encode a value
  | 'TOO_LARGE' // an encoded value does not fit in one frame
  | 'CORRUPT'; // segment files that cannot be reconciled (a torn tail is repaired, never reported this way)

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;

  constructor(code: SpoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpoolError';
    this.code = code;
  }
}

/** Wraps a failed file operation, keeping a SpoolError that is already one. */
export function ioError(what: string, cause: unknown): SpoolError {
  if (cause instanceof SpoolError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SpoolError('IO', `${what}: ${detail}`, { cause });
}
