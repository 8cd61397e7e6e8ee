/** Errors raised by the feed's connection layer. Every error carries a stable `code` to count and branch on. */

export type FeedErrorCode =
  | 'BAD_STREAMS' // an empty, duplicated, malformed or oversized stream list
  | 'BAD_OPTIONS' // an option out of its documented range
  | 'OPEN_TIMEOUT' // the WebSocket handshake did not finish in time
  | 'WATCHDOG' // the server sent nothing (no frame, no ping) for too long
  | 'CONNECTION_FAILED' // the socket failed or closed before it opened
  | 'ABORTED'; // a wait was given up because its owner stopped

export class FeedError extends Error {
  readonly code: FeedErrorCode;

  constructor(code: FeedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeedError';
    this.code = code;
  }
}
