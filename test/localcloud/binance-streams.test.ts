/**
 * The Binance stand-in's market streams as a client sees them: combined and raw trade frames that
 * parse to the trades in the history, trades hidden from the WebSocket but served over REST,
 * refused upgrades, control messages, and the serverShutdown event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseFrame } from '../../core/parse/frame.js';
import { parseHistoricalTrades } from '../../core/parse/rest.js';
import { tradeFrame } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import { type BinanceOptions, type RunningBinance, startBinance } from '../../localcloud/binance/binance.js';

const running: RunningBinance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

async function start(options: Partial<BinanceOptions> = {}): Promise<RunningBinance> {
  const b = await startBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], ...options });
  running.push(b);
  return b;
}

interface Client {
  readonly ws: WebSocket;
  readonly frames: string[];
  /** Resolves with the first `count` frames once they have arrived. */
  take(count: number): Promise<string[]>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    frames.push(data.toString());
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const take = async (count: number) => {
    while (frames.length < count) await new Promise<void>((wake) => waiters.push(wake));
    return frames.slice(0, count);
  };
  return { ws, frames, take, closed };
}

/** The HTTP answer to an upgrade the server refuses. */
function refusal(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
  });
}

describe('Binance stand-in streams', () => {
  it('sends combined frames exactly as Binance does, per symbol in id order', async () => {
    const b = await start({ startIds: { BTCUSDT: 5000, ETHUSDT: 70 } });
    const client = await connect(`${b.wsUrl}/stream?streams=btcusdt@trade/ethusdt@trade`);

    const btc = b.generate('BTCUSDT', 4);
    const eth = b.generate('ETHUSDT', 3);
    const frames = await client.take(7);

    expect(frames).toEqual([...btc, ...eth].map((t) => tradeFrame(t)));
    const events = frames.map(parseFrame);
    expect(events.map((e) => (e.kind === 'trade' ? e.trade : e))).toEqual([...btc, ...eth]);
    expect(events.map((e) => (e.kind === 'trade' ? e.stream : e))).toEqual([
      ...Array(4).fill('btcusdt@trade'),
      ...Array(3).fill('ethusdt@trade'),
    ]);
    expect(btc.map((t) => t.id)).toEqual([5000, 5001, 5002, 5003]);
    expect(b.history('ETHUSDT')).toEqual(eth);
    expect(b.lastId('ETHUSDT')).toBe(72);
  });

  it('sends raw frames on /ws/<stream>, only for that symbol', async () => {
    const b = await start();
    const client = await connect(`${b.wsUrl}/ws/ethusdt@trade`);

    b.generate('BTCUSDT', 2);
    const eth = b.generate('ETHUSDT', 2);
    const frames = await client.take(2);

    expect(frames.map((f) => JSON.parse(f).stream)).toEqual([undefined, undefined]);
    expect(frames.map(parseFrame)).toEqual(eth.map((trade) => ({ kind: 'trade', trade, stream: undefined })));
  });

  it('generates trades on a timer when tradesPerSecond is set, the same on the wire as in the history', async () => {
    const b = await start({ tradesPerSecond: 200 });
    const client = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    const frames = await client.take(20);
    const history = b.history('BTCUSDT');
    const trades = frames.map((f) => (parseFrame(f) as { trade: Trade }).trade);
    // The client sees the trades generated after it connected, all of them.
    const first = trades[0]!.id - 1_000_000;

    expect(trades).toEqual(history.slice(first, first + 20));
    expect(history.map((t) => t.id)).toEqual(history.map((_, i) => 1_000_000 + i));
    expect(b.history('ETHUSDT').length).toBeGreaterThan(0);
  });

  it('hides skipped trades from every WebSocket while historicalTrades still returns them', async () => {
    const b = await start();
    const client = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    b.generate('BTCUSDT', 3);
    b.skipOnWebSocket('BTCUSDT', 2);
    b.generate('BTCUSDT', 5);
    const frames = await client.take(6);
    const seen = frames.map((f) => (parseFrame(f) as { trade: { id: number } }).trade.id);
    const res = await fetch(`${b.restUrl}/api/v3/historicalTrades?symbol=BTCUSDT&fromId=1000003&limit=2`);
    const rest = parseHistoricalTrades(await res.json(), 'BTCUSDT');

    expect(seen).toEqual([1_000_000, 1_000_001, 1_000_002, 1_000_005, 1_000_006, 1_000_007]);
    expect(rest.trades).toEqual(b.history('BTCUSDT').slice(3, 5));
  });

  it('refuses unknown symbols, other stream types, other paths and too many streams with an HTTP error', async () => {
    const b = await start({ maxStreamsPerConnection: 1 });

    const unknown = await refusal(`${b.wsUrl}/ws/dogeusdt@trade`);
    const depth = await refusal(`${b.wsUrl}/stream?streams=btcusdt@depth`);
    const path = await refusal(`${b.wsUrl}/market`);
    const tooMany = await refusal(`${b.wsUrl}/stream?streams=btcusdt@trade/ethusdt@trade`);

    expect(unknown).toEqual({
      status: 400,
      body: { code: 2, msg: expect.stringContaining('unknown symbol') },
    });
    expect(depth).toEqual({ status: 400, body: { code: 2, msg: expect.stringContaining('btcusdt@depth') } });
    expect(path.status).toBe(404);
    expect(tooMany).toEqual({ status: 400, body: { code: 2, msg: expect.stringContaining('at most 1') } });
    expect(b.connectionAttempts).toBe(4);
    expect(b.connections()).toEqual([]);
  });

  it('answers SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE and streams accordingly', async () => {
    const b = await start({ maxMessagesPerSecond: 50, maxStreamsPerConnection: 2 });
    const client = await connect(`${b.wsUrl}/ws`);
    const ask = async (request: object) => {
      const before = client.frames.length;
      client.ws.send(JSON.stringify(request));
      return JSON.parse((await client.take(before + 1))[before]!);
    };

    const subscribed = await ask({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 1 });
    const listed = await ask({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    const [trade] = b.generate('BTCUSDT', 1);
    await client.take(3);
    const invalid = await ask({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1m'], id: 3 });
    const tooMany = await ask({ method: 'SUBSCRIBE', params: ['ethusdt@trade', 'btcusdt@aggTrade'], id: 4 });
    const unsubscribed = await ask({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 5 });
    b.generate('BTCUSDT', 1);
    // Trades go out synchronously in generate: a trade frame would arrive before this answer.
    const empty = await ask({ method: 'LIST_SUBSCRIPTIONS', id: 6 });

    expect(subscribed).toEqual({ result: null, id: 1 });
    expect(listed).toEqual({ result: ['btcusdt@trade'], id: 2 });
    expect(client.frames[2]).toBe(JSON.stringify(JSON.parse(tradeFrame(trade!)).data));
    expect(invalid).toEqual({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 3 });
    expect(tooMany.error.code).toBe(2);
    expect(unsubscribed).toEqual({ result: null, id: 5 });
    expect(empty).toEqual({ result: [], id: 6 });
    expect(parseFrame(client.frames[3]!)).toEqual({
      kind: 'control',
      id: 3,
      result: undefined,
      error: invalid.error,
    });
  });

  it('sends serverShutdown on demand and closes the connection after the grace period', async () => {
    const b = await start({ shutdownGraceMs: 100 });
    const client = await connect(`${b.wsUrl}/stream?streams=btcusdt@trade`);

    const ids = b.serverShutdown();
    const [frame] = await client.take(1);
    const [during] = b.generate('BTCUSDT', 1);
    const closed = await client.closed;

    expect(ids).toEqual([1]);
    expect(JSON.parse(frame!)).toEqual({
      stream: '!serverShutdown',
      data: { e: 'serverShutdown', E: expect.any(Number) },
    });
    expect(parseFrame(frame!)).toMatchObject({ kind: 'shutdown', stream: '!serverShutdown' });
    expect(client.frames[1]).toBe(tradeFrame(during!));
    expect(closed.code).toBe(1001);
    expect(b.connections()[0]).toMatchObject({ state: 'closed', closeReason: 'serverShutdown' });
  });

  it('ends a connection at its maximum lifetime with the raw serverShutdown event', async () => {
    const b = await start({ maxConnectionLifetimeMs: 150, shutdownGraceMs: 50 });
    const client = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    const closed = await client.closed;

    expect(client.frames).toHaveLength(1);
    expect(parseFrame(client.frames[0]!)).toMatchObject({ kind: 'shutdown', stream: undefined });
    expect(closed.code).toBe(1001);
  });
});
