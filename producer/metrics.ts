/**
 * The producer's Prometheus metrics, on a registry of its own (no global state, so tests and several
 * producers in one process do not collide). Names follow Prometheus conventions: `_total` counters,
 * base units (seconds, bytes).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboundMessage } from '../clouds/ports.js';

export interface SinkMetrics {
  sent(messages: readonly OutboundMessage[], callMs: number, now: number): void;
  failed(err: Error): void;
  rejected(message: OutboundMessage): void;
  dropped(message: OutboundMessage): void;
  depth(messages: number, bytes: number): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class ProducerMetrics {
  readonly registry = new Registry();
  readonly tradesReceived = this.#counter(
    'producer_trades_received_total',
    'Trades accepted from the feed (new ids)',
    ['symbol'],
  );
  readonly duplicates = this.#counter('producer_duplicate_trades_total', 'Trades dropped as already seen', [
    'symbol',
  ]);
  readonly badFrames = this.#counter('producer_bad_frames_total', 'Frames that failed to parse, by field', [
    'field',
  ]);
  readonly gaps = this.#counter('producer_gaps_total', 'Gaps in trade ids detected', ['symbol']);
  readonly gapTrades = this.#counter('producer_gap_trades_total', 'Trade ids missing in detected gaps', [
    'symbol',
  ]);
  readonly backfilled = this.#counter('producer_backfilled_trades_total', 'Trade ids filled from REST', [
    'symbol',
  ]);
  readonly unfilled = this.#counter('producer_unfilled_trades_total', 'Trade ids that could not be filled', [
    'symbol',
  ]);
  readonly missing = this.#gauge('producer_missing_trades', 'Trade ids waiting for backfill', []);
  readonly reconnects = this.#counter('producer_reconnects_total', 'WebSocket reconnects after a failure', [
    'connection',
  ]);
  readonly rotations = this.#counter('producer_rotations_total', 'Planned connection rotations', [
    'connection',
    'reason',
  ]);
  readonly connectionsOpen = this.#gauge('producer_connections_open', 'Open WebSocket connections', []);
  readonly restRequests = this.#counter('producer_rest_requests_total', 'REST requests to Binance', [
    'path',
    'status',
  ]);
  readonly restRateLimited = this.#counter('producer_rest_rate_limited_total', 'REST 429/418 answers', [
    'status',
  ]);
  readonly batches = this.#counter('producer_batches_sent_total', 'Batches accepted by a sink', ['sink']);
  readonly bytes = this.#counter('producer_bytes_sent_total', 'Message bytes accepted by a sink', ['sink']);
  readonly tradesSent = this.#counter('producer_trades_sent_total', 'Trade entries accepted by a sink', [
    'sink',
  ]);
  readonly publishCalls = this.#counter(
    'producer_publish_calls_total',
    'Publish calls that succeeded at least in part',
    ['sink'],
  );
  readonly sendFailures = this.#counter('producer_send_failures_total', 'Failed publish attempts', [
    'sink',
    'code',
  ]);
  readonly rejected = this.#counter('producer_rejected_batches_total', 'Batches a sink refused for good', [
    'sink',
  ]);
  readonly spoolDropped = this.#counter(
    'producer_spool_dropped_batches_total',
    'Batches refused by a full spool',
    ['sink'],
  );
  readonly spoolDroppedTrades = this.#counter(
    'producer_spool_dropped_trades_total',
    'Trade ids in batches refused by a full spool',
    ['sink'],
  );
  readonly spoolMessages = this.#gauge(
    'producer_spool_pending_messages',
    'Messages spooled and not yet accepted',
    ['sink'],
  );
  readonly spoolBytes = this.#gauge('producer_spool_pending_bytes', 'Bytes spooled and not yet accepted', [
    'sink',
  ]);
  readonly sendLatency = this.#histogram(
    'producer_send_duration_seconds',
    'Duration of successful publish calls',
    ['sink'],
  );
  readonly addedLatency = this.#histogram(
    'producer_added_latency_seconds',
    'From receipt of the oldest trade of a batch to its acceptance by the sink',
    ['sink'],
  );

  sink(name: string): SinkMetrics {
    return {
      sent: (messages, callMs, now) => {
        this.publishCalls.inc({ sink: name });
        this.sendLatency.observe({ sink: name }, callMs / 1000);
        for (const m of messages) {
          this.batches.inc({ sink: name });
          this.bytes.inc({ sink: name }, m.bytes);
          this.tradesSent.inc({ sink: name }, m.trades);
          this.addedLatency.observe({ sink: name }, Math.max(0, now - m.receivedAt) / 1000);
        }
      },
      failed: (err) =>
        this.sendFailures.inc({ sink: name, code: (err as { code?: string }).code ?? 'UNKNOWN' }),
      rejected: () => this.rejected.inc({ sink: name }),
      dropped: (m) => {
        this.spoolDropped.inc({ sink: name });
        this.spoolDroppedTrades.inc({ sink: name }, m.lastId - m.firstId + 1);
      },
      depth: (messages, bytes) => {
        this.spoolMessages.set({ sink: name }, messages);
        this.spoolBytes.set({ sink: name }, bytes);
      },
    };
  }

  #counter(name: string, help: string, labelNames: string[]): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  #histogram(name: string, help: string, labelNames: string[]): Histogram<string> {
    return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }
}
