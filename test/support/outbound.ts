/** Outbound messages for the publisher and sink tests. */
import { toOutboundMessage } from '../../clouds/message.js';
import type { OutboundMessage } from '../../clouds/ports.js';
import { syntheticTrades } from '../../core/synthetic.js';
import { batchBody, tradeEntry, type WireBatch } from '../../core/wire.js';

/** A batch of `count` synthetic trades from `firstId`, and its message (gzipped from `gzipMinBytes`). */
export async function tradeBatchMessage(
  count: number,
  firstId: number,
  gzipMinBytes: number,
  symbol = 'BTCUSDT',
): Promise<{ wire: WireBatch; message: OutboundMessage }> {
  const trades = [...syntheticTrades(count, { symbol, startId: firstId, seed: firstId })];
  const lastId = firstId + count - 1;
  const wire: WireBatch = { market: 'spot', symbol, firstId, lastId, trades };
  const body = batchBody('spot', symbol, firstId, lastId, trades.map(tradeEntry));
  const meta = { symbol, firstId, lastId, trades: count, receivedAt: 0 };
  return { wire, message: await toOutboundMessage(body, meta, { gzipMinBytes }) };
}

/** A message of a given size whose body is not a batch: the publishers only count its bytes. */
export function sizedMessage(bytes: number, firstId: number): OutboundMessage {
  return {
    body: 'x'.repeat(bytes),
    attributes: {},
    symbol: 'BTCUSDT',
    firstId,
    lastId: firstId,
    trades: 1,
    bytes,
    receivedAt: 0,
  };
}
