/**
 * The small interfaces the domain needs from the clouds. One adapter per cloud service implements
 * each (clouds/aws/, clouds/gcp/); SDK clients come in through the adapters' constructors, and SDK
 * errors leave them translated into CloudError (clouds/errors.ts).
 *
 * This folder may import core/ and the cloud SDKs; core/ never imports it.
 */

/** One message of trades on its way to a queue or topic: a wire batch (core/wire.ts), maybe gzipped. */
export interface OutboundMessage {
  /** The body as sent: the batch JSON, or base64 of its gzip when `attributes.contentEncoding` is `gzip`. */
  readonly body: string;
  /** Message attributes; `contentEncoding: 'gzip'` marks a compressed body. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The symbol: Pub/Sub ordering key, and the label for logs and metrics. */
  readonly symbol: string;
  readonly firstId: number;
  readonly lastId: number;
  /** Entries in the batch. */
  readonly trades: number;
  /** Bytes the message counts against the service's size limits (body plus attributes). */
  readonly bytes: number;
  /** Receive time (ms) of the batch's earliest trade, for the added-latency metric. */
  readonly receivedAt: number;
}

/** What a publisher can take in one call; the sink groups messages to fit. */
export interface PublishLimits {
  readonly maxMessagesPerCall: number;
  readonly maxBytesPerCall: number;
  readonly maxMessageBytes: number;
}

/** The outcome per message of one publish call: the indexes (into the call's array) that failed. */
export interface PublishOutcome {
  readonly failed: readonly PublishFailure[];
}

export interface PublishFailure {
  readonly index: number;
  /** False when resending the same message can never succeed (e.g. it is over the size limit). */
  readonly retryable: boolean;
  readonly error: Error;
}

/** Sends trade batches to one queue or topic. */
export interface TradePublisher {
  /** `sqs` or `pubsub`: names the sink in logs, metrics and spool directories. */
  readonly name: string;
  readonly limits: PublishLimits;
  /**
   * Sends the messages. Resolves with the per-message failures (none on full success); rejects only
   * when the whole call failed, with a CloudError whose `retryable` says whether to try again.
   */
  publish(messages: readonly OutboundMessage[]): Promise<PublishOutcome>;
  close(): Promise<void>;
}
