/**
 * StreamingPull, the official subscriber's default path. The first request names the subscription
 * and sets the stream's ack deadline and flow control (max outstanding messages and bytes, 0 for
 * no limit); later requests carry acks, deadline changes, a new stream deadline, or nothing at all
 * (a keepalive, answered with an empty response so the client sees the stream is alive).
 *
 * A stream is never sent more than its flow control allows: room frees up as its messages are
 * acked, nacked or expire. Only one response at a time is on its way out, and the ack deadline of
 * its messages starts when the transport has taken it, so messages held back by a client that
 * stopped reading do not expire unseen. Messages out on a stream that ends stay out until their
 * deadline, then are redelivered.
 */
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc-service.js';
import { checkAckDeadline, checkAckIds } from './ack-ids.js';
import { invalidArgument } from './errors.js';
import type { Entry } from './message.js';
import type { Registry } from './registry.js';
import { MAX_ACK_DEADLINE_SECONDS } from './settings.js';
import type { StreamConsumer, Subscription } from './subscription.js';
import type { StreamingPullRequest, StreamingPullResponse } from './wire.js';

type Call = ServerDuplexStream<StreamingPullRequest, StreamingPullResponse>;

export function streamingPull(registry: Registry): (call: Call) => void {
  return (call) => {
    new StreamSession(registry, call).start();
  };
}

class StreamSession implements StreamConsumer {
  deadlineMs = 0;
  private subscription: Subscription | undefined;
  private maxMessages = 0;
  private maxBytes = 0;
  private outstanding = 0;
  private outstandingBytes = 0;
  /** A batch is on its way out; the next waits, so a client that stops reading is not buried. */
  private writing = false;
  private closed = false;

  constructor(
    private readonly registry: Registry,
    private readonly call: Call,
  ) {}

  start(): void {
    const call = this.call;
    call.on('data', (request: StreamingPullRequest) => {
      try {
        if (this.subscription === undefined) this.open(request);
        else this.update(request, this.subscription);
      } catch (err) {
        this.end(asStatusError(err));
      }
    });
    call.on('end', () => {
      this.detach();
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', () => this.detach());
    call.on('error', () => this.detach());
    call.on('close', () => this.detach());
  }

  roomMessages(): number {
    if (this.writing || this.closed) return 0;
    return this.maxMessages > 0 ? this.maxMessages - this.outstanding : Number.POSITIVE_INFINITY;
  }

  roomBytes(): number {
    if (this.writing || this.closed) return 0;
    return this.maxBytes > 0 ? this.maxBytes - this.outstandingBytes : Number.POSITIVE_INFINITY;
  }

  send(entries: Entry[]): void {
    const subscription = this.subscription!;
    this.outstanding += entries.length;
    for (const entry of entries) this.outstandingBytes += entry.message.size;
    this.writing = true;
    this.call.write({ receivedMessages: subscription.received(entries) }, () => {
      this.writing = false;
      // The deadline runs from when the client could have the messages, not from when they were queued.
      subscription.backlog.restartDeadlines(entries, this, this.deadlineMs);
      subscription.wake();
    });
  }

  release(entry: Entry): void {
    const wasFull = this.roomMessages() <= 0 || this.roomBytes() <= 0;
    this.outstanding--;
    this.outstandingBytes -= entry.message.size;
    if (wasFull && !this.closed) this.subscription?.wake();
  }

  end(error: GrpcStatusError): void {
    if (this.closed) return;
    this.detach();
    // A call the client or a shutdown already cut has no one left to tell.
    if (!this.call.cancelled) this.call.emit('error', { code: error.code, details: error.message });
  }

  private open(request: StreamingPullRequest): void {
    const subscription = this.registry.subscription(request.subscription);
    this.deadlineMs = streamDeadline(request.streamAckDeadlineSeconds) * 1000;
    this.maxMessages = Math.max(0, request.maxOutstandingMessages);
    this.maxBytes = Math.max(0, request.maxOutstandingBytes);
    this.subscription = subscription;
    this.call.write({
      subscriptionProperties: {
        exactlyOnceDeliveryEnabled: false,
        messageOrderingEnabled: subscription.settings.ordered,
      },
    });
    this.update(request, subscription);
    if (!this.closed) subscription.attach(this);
  }

  private update(request: StreamingPullRequest, subscription: Subscription): void {
    const { ackIds, modifyDeadlineAckIds, modifyDeadlineSeconds } = request;
    if (modifyDeadlineAckIds.length !== modifyDeadlineSeconds.length) {
      throw invalidArgument(
        'modify_deadline_ack_ids and modify_deadline_seconds must have the same number of entries',
      );
    }
    checkAckIds(ackIds);
    checkAckIds(modifyDeadlineAckIds);
    if (ackIds.length > 0) subscription.backlog.ack(ackIds);
    for (let i = 0; i < modifyDeadlineAckIds.length; i++) {
      const seconds = modifyDeadlineSeconds[i]!;
      checkAckDeadline(seconds);
      subscription.backlog.modify([modifyDeadlineAckIds[i]!], seconds);
    }
    if (request.subscription === '' && request.streamAckDeadlineSeconds > 0) {
      this.deadlineMs = streamDeadline(request.streamAckDeadlineSeconds) * 1000;
    }
    if (isKeepalive(request)) this.call.write({});
  }

  private detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.detach(this);
  }
}

function asStatusError(err: unknown): GrpcStatusError {
  if (err instanceof GrpcStatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GrpcStatusError(status.INTERNAL, `internal error in the local Pub/Sub stand-in: ${message}`);
}

function isKeepalive(r: StreamingPullRequest): boolean {
  return (
    r.subscription === '' &&
    r.ackIds.length === 0 &&
    r.modifyDeadlineAckIds.length === 0 &&
    r.streamAckDeadlineSeconds === 0
  );
}

function streamDeadline(seconds: number): number {
  if (!(seconds >= 10 && seconds <= MAX_ACK_DEADLINE_SECONDS)) {
    throw invalidArgument(`Invalid stream_ack_deadline_seconds ${seconds}: it must be from 10 to 600`);
  }
  return seconds;
}
