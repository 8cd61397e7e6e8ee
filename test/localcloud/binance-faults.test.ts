/**
 * The Binance stand-in's connection faults as a client sees them: the server's pings and the pong
 * deadline, the incoming message limit, and each way of dropping a connection. Intervals are tens
 * of milliseconds to keep the suite fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { tradeFrame } from '../../core/synthetic.js';
import { type BinanceOptions, type RunningBinance, startBinance } from '../../localcloud/binance/binance.js';

const running: RunningBinance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

async function start(options: Partial<BinanceOptions> = {}): Promise<RunningBinance> {
  const b = await startBinance({ symbols: ['BTCUSDT'], ...options });
  running.push(b);
  return b;
}

interface Client {
  readonly ws: WebSocket;
  readonly frames: string[];
  /** Ping frames received from the server. */
  pings: number;
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string, options: ClientOptions = {}): Promise<Client> {
  const ws = new WebSocket(url, options);
  const client: Client = {
    ws,
    frames: [],
    pings: 0,
    closed: new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
  };
  ws.on('message', (data) => client.frames.push(data.toString()));
  ws.on('ping', () => client.pings++);
  ws.on('error', () => {}); // an abrupt end may also be reported as an error; the close event tells
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(10);
}

describe('Binance stand-in connection faults', () => {
  it('pings every interval and drops a client whose pong does not come in time', async () => {
    const b = await start({ pingIntervalMs: 40, pongTimeoutMs: 150, maxMessagesPerSecond: 100 });
    const answering = await connect(`${b.wsUrl}/ws/btcusdt@trade`);
    const mute = await connect(`${b.wsUrl}/ws/btcusdt@trade`, { autoPong: false });

    const muteClosed = await mute.closed;
    await until(() => answering.pings >= 5 && b.connections()[0]!.pongsReceived >= 5);

    expect(muteClosed.code).toBe(1006);
    expect(mute.pings).toBeGreaterThanOrEqual(1);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    const [first, second] = b.connections();
    expect(first).toMatchObject({ state: 'open' });
    expect(second).toMatchObject({ state: 'closed', closeReason: 'pongTimeout', pongsReceived: 0 });
  });

  it('drops a connection that sends more than 5 messages in a second, pings included', async () => {
    const b = await start();
    const polite = await connect(`${b.wsUrl}/ws/btcusdt@trade`);
    const chatty = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    for (let id = 1; id <= 5; id++) polite.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    for (let id = 1; id <= 4; id++) chatty.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    chatty.ws.ping();
    chatty.ws.ping();
    const closed = await chatty.closed;
    await until(() => polite.frames.length === 5);

    expect(closed.code).toBe(1006);
    expect(chatty.frames).toHaveLength(4);
    expect(polite.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.connections().map((c) => [c.messagesFromClient, c.closeReason])).toEqual([
      [5, undefined],
      [6, 'rateLimit'],
    ]);
  });

  it("'close' ends connections with close code 1001", async () => {
    const b = await start();
    const client = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    expect(b.dropConnections('close')).toEqual([1]);
    expect((await client.closed).code).toBe(1001);
  });

  it("'terminate' ends connections without a close frame (1006), only those named", async () => {
    const b = await start();
    const kept = await connect(`${b.wsUrl}/ws/btcusdt@trade`);
    const dropped = await connect(`${b.wsUrl}/ws/btcusdt@trade`);

    b.dropConnections('terminate', [2]);
    const closed = await dropped.closed;
    const [trade] = b.generate('BTCUSDT', 1);
    await until(() => kept.frames.length === 1);

    expect(closed.code).toBe(1006);
    expect(kept.frames).toEqual([JSON.stringify(JSON.parse(tradeFrame(trade!)).data)]);
    expect(b.connections().map((c) => c.state)).toEqual(['open', 'closed']);
  });

  it("'silent' keeps the socket open but sends neither trades nor pings", async () => {
    const b = await start({ pingIntervalMs: 30, maxMessagesPerSecond: 100 });
    const client = await connect(`${b.wsUrl}/stream?streams=btcusdt@trade`);
    await until(() => client.pings >= 1);

    b.dropConnections('silent');
    const pingsThen = client.pings;
    b.generate('BTCUSDT', 3);
    client.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 1 }));
    await sleep(200);

    expect(client.frames).toEqual([]);
    expect(client.pings).toBe(pingsThen);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.connections()[0]).toMatchObject({ state: 'silent', messagesFromClient: expect.any(Number) });
  });

  it("'midFrame' cuts the connection inside a frame: the client gets no message, only an abrupt close", async () => {
    const b = await start();
    const client = await connect(`${b.wsUrl}/stream?streams=btcusdt@trade`);
    const [trade] = b.generate('BTCUSDT', 1);
    await until(() => client.frames.length === 1);

    b.dropConnections('midFrame');
    const closed = await client.closed;

    expect(closed.code).toBe(1006);
    expect(client.frames).toEqual([tradeFrame(trade!)]);
    expect(b.connections()[0]).toMatchObject({ state: 'closed', closeReason: 'midFrame' });
  });
});
