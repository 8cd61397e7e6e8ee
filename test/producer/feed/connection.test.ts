import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloseInfo, type ConnectionOptions, FeedConnection } from '../../../producer/feed/connection.js';
import { FeedError } from '../../../producer/feed/errors.js';
import { dropMidFrame, sendInvalidFrame, sleep, WsTestServer, waitFor } from './ws-test-server.js';

let server: WsTestServer;
const open: FeedConnection[] = [];

beforeEach(async () => {
  server = await WsTestServer.start();
});

afterEach(async () => {
  for (const c of open.splice(0)) c.close('test over');
  await server.close();
});

interface Recorder {
  frames: { text: string; at: number }[];
  closes: CloseInfo[];
}

function connect(overrides: Partial<ConnectionOptions> = {}): { conn: FeedConnection; rec: Recorder } {
  const rec: Recorder = { frames: [], closes: [] };
  const conn = new FeedConnection({
    url: `${server.url}/stream?streams=btcusdt@trade`,
    id: 'c1',
    watchdogMs: 5_000,
    openTimeoutMs: 5_000,
    closeTimeoutMs: 500,
    onFrame: (text, at) => rec.frames.push({ text, at }),
    onClose: (info) => rec.closes.push(info),
    ...overrides,
  });
  open.push(conn);
  return { conn, rec };
}

describe('FeedConnection', () => {
  it('delivers text frames in order with the time they arrived', async () => {
    let tick = 1000;
    const { conn, rec } = connect({ now: () => tick++ });
    await conn.open();
    const side = await server.connection(1);
    expect(side.path).toBe('/stream?streams=btcusdt@trade');
    side.ws.send('{"n":1}');
    side.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    side.ws.send('{"n":2}');
    await waitFor(() => rec.frames.length === 2);
    await waitFor(() => conn.stats().binaryFramesIgnored === 1);
    expect(rec.frames.map((f) => f.text)).toEqual(['{"n":1}', '{"n":2}']);
    expect(rec.frames[1]!.at).toBeGreaterThan(rec.frames[0]!.at);
    const stats = conn.stats();
    expect(stats).toMatchObject({ framesReceived: 2, bytesReceived: 14, openedAt: 1000 });
    expect(stats.lastMessageAt).toBe(rec.frames[1]!.at);
    expect(conn.state).toBe('open');
  });

  it('answers server pings with pongs carrying the same payload, and sends nothing else', async () => {
    const { conn } = connect();
    await conn.open();
    const side = await server.connection(1);
    side.ws.ping('p1');
    side.ws.ping('p2');
    await waitFor(() => side.pongs.length === 2);
    expect(side.pongs).toEqual(['p1', 'p2']);
    expect(conn.stats().pingsReceived).toBe(2);
    await sleep(50);
    expect(side.pongs).toHaveLength(2);
    expect(side.messages).toEqual([]);
  });

  it('terminates a connection that stays silent past the watchdog', async () => {
    const { conn, rec } = connect({ watchdogMs: 150 });
    await conn.open();
    const side = await server.connection(1);
    await side.closed;
    await waitFor(() => rec.closes.length === 1);
    const info = rec.closes[0]!;
    expect(info.planned).toBe(false);
    expect(info.code).toBe(1006);
    expect((info.error as FeedError).code).toBe('WATCHDOG');
    expect(conn.state).toBe('closed');
  });

  it('counts pings as signs of life for the watchdog', async () => {
    const { conn, rec } = connect({ watchdogMs: 300 });
    await conn.open();
    const side = await server.connection(1);
    const pinger = setInterval(() => side.ws.ping(), 30);
    await sleep(700);
    clearInterval(pinger);
    expect(rec.closes).toEqual([]);
    expect(conn.state).toBe('open');
  });

  it('reports a TCP drop in the middle of a frame as unplanned, without the partial frame', async () => {
    const { conn, rec } = connect();
    await conn.open();
    const side = await server.connection(1);
    side.ws.send('{"whole":true}', () => dropMidFrame(side));
    await waitFor(() => rec.closes.length === 1);
    expect(rec.frames.map((f) => f.text)).toEqual(['{"whole":true}']);
    expect(rec.closes[0]).toMatchObject({ planned: false, code: 1006 });
  });

  it('survives a protocol error from the server and reports it', async () => {
    const { conn, rec } = connect();
    await conn.open();
    sendInvalidFrame(await server.connection(1));
    await waitFor(() => rec.closes.length === 1);
    expect(rec.closes[0]!.planned).toBe(false);
    expect(rec.closes[0]!.error?.message).toMatch(/opcode/i);
  });

  it('rejects open and reports once when nothing listens', async () => {
    const url = server.url;
    await server.close();
    const { conn, rec } = connect({ url: `${url}/stream?streams=x@trade` });
    const err = await conn.open().catch((e: unknown) => e);
    expect((err as FeedError).code).toBe('CONNECTION_FAILED');
    await waitFor(() => rec.closes.length === 1);
    expect(rec.closes[0]!.planned).toBe(false);
    expect((rec.closes[0]!.error as FeedError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    server = await WsTestServer.start();
  });

  it('reports a malformed URL as a failed open', async () => {
    const { conn, rec } = connect({ url: 'ws://' });
    await expect(conn.open()).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(rec.closes).toHaveLength(1);
    expect(rec.closes[0]).toMatchObject({ planned: false, code: 1006 });
    expect(conn.state).toBe('closed');
  });

  it('rejects open when the server refuses the upgrade', async () => {
    server.upgradeMode = 'reject';
    const { conn, rec } = connect();
    await expect(conn.open()).rejects.toThrow(/503/);
    expect(rec.closes).toHaveLength(1);
    expect(rec.closes[0]!.planned).toBe(false);
  });

  it('gives up an open that takes longer than openTimeoutMs', async () => {
    server.upgradeMode = 'stall';
    const { conn, rec } = connect({ openTimeoutMs: 100 });
    const err = await conn.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).code).toBe('OPEN_TIMEOUT');
    expect(rec.closes.map((c) => c.planned)).toEqual([false]);
    await waitFor(() => server.openSockets() === 0);
  });

  it('closes on purpose with code 1000 and reports planned exactly once', async () => {
    const { conn, rec } = connect();
    await conn.open();
    const side = await server.connection(1);
    conn.close('rotation');
    conn.close('again');
    await side.closed;
    const info = await conn.closed;
    expect(side.closeCode).toBe(1000);
    expect(info).toEqual({ code: 1000, reason: 'rotation', planned: true });
    await sleep(20);
    expect(rec.closes).toEqual([info]);
    await waitFor(() => server.openSockets() === 0);
  });

  it('treats close() during the handshake as planned', async () => {
    server.upgradeMode = 'stall';
    const { conn, rec } = connect();
    const opening = conn.open();
    await waitFor(() => server.upgradeRequests === 1);
    conn.close('stop');
    await expect(opening).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(rec.closes).toMatchObject([{ planned: true, reason: 'stop' }]);
  });

  it('keeps delivering after onFrame throws', async () => {
    const seen: string[] = [];
    const { conn } = connect({
      onFrame: (text) => {
        seen.push(text);
        if (text === 'bad') throw new Error('consumer bug');
      },
    });
    await conn.open();
    const side = await server.connection(1);
    for (const t of ['a', 'bad', 'b']) side.ws.send(t);
    await waitFor(() => seen.length === 3);
    expect(seen).toEqual(['a', 'bad', 'b']);
    expect(conn.stats().frameHandlerErrors).toBe(1);
    expect(conn.state).toBe('open');
  });

  it('reports a server close with its code and reason', async () => {
    const { conn, rec } = connect();
    await conn.open();
    (await server.connection(1)).ws.close(1001, 'going away');
    await waitFor(() => rec.closes.length === 1);
    expect(rec.closes[0]).toEqual({ code: 1001, reason: 'going away', planned: false });
  });
});
