/**
 * Where frames come from: live Binance connections or a replay of a recording. A source calls the
 * sink for every frame with its receive time; a returned promise asks the source to wait (a replay
 * honours it, which is how a full-speed replay keeps memory bounded; a live feed cannot wait).
 */
export type FrameSink = (text: string, receivedAt: number) => undefined | Promise<void>;

/** A problem the source reports instead of a frame, e.g. a recorded line without a timestamp. */
export interface SourceProblem {
  readonly where: string;
  readonly message: string;
}

export interface ConnectionStatus {
  readonly id: string;
  readonly state: string;
  readonly streams: number;
  readonly connectedSince?: number;
  readonly lastMessageAt?: number;
  readonly reconnects: number;
  readonly rotations: number;
  readonly framesReceived: number;
}

export interface TradeSource {
  /** Runs until the source ends (a replay) or `stop()` is called (live). */
  run(sink: FrameSink, onProblem: (problem: SourceProblem) => void): Promise<void>;
  stop(): Promise<void>;
  connections(): ConnectionStatus[];
}
