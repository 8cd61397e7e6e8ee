import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../../producer/feed/attempt-limiter.js';
import { Backoff } from '../../../producer/feed/backoff.js';
import { Shard, type ShardEvent, type ShardOptions } from '../../../producer/feed/shard.js';
import { sleep, WsTestServer, waitFor } from './ws-test-server.js';

let server: WsTestServer;
const shards: Shard[] = [];

beforeEach(async () => {
  server = await WsTestServer.start();
});

afterEach(async () => {
  await Promise.all(shards.splice(0).map((s) => s.stop()));
  await server.close();
});

const SHUTDOWN = '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1718000000000}}';

function trade(id: number): string {
  return `{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":${id}}}`;
}

interface Harness {
  shard: Shard;
  backoff: Backoff;
  frames: { text: string; connectionId: string }[];
  events: ShardEvent[];
}

function makeShard(overrides: Partial<ShardOptions> = {}): Harness {
  const frames: Harness['frames'] = [];
  const events: ShardEvent[] = [];
  // random 0.5: delays are exactly half the ceiling, 20, 40, 80, 80…
  const backoff = new Backoff({ baseMs: 40, capMs: 160, random: () => 0.5 });
  const shard = new Shard({
    id: 's1',
    baseUrl: `${server.url}/`,
    streams: ['btcusdt@trade', 'ethusdt@trade'],
    watchdogMs: 5_000,
    rotateAfterMs: 3_600_000,
    rotateJitterMs: 0,
    overlapMs: 100,
    openTimeoutMs: 2_000,
    backoff,
    limiter: new AttemptLimiter({ max: 100, windowMs: 60_000 }),
    onFrame: (text, _at, connectionId) => frames.push({ text, connectionId }),
    onEvent: (e) => events.push(e),
    ...overrides,
  });
  shards.push(shard);
  return { shard, backoff: overrides.backoff ?? backoff, frames, events };
}

function ofType<T extends ShardEvent['type']>(
  events: ShardEvent[],
  type: T,
): Extract<ShardEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ShardEvent, { type: T }> => e.type === type);
}

/** Real timers that remember which are still pending, to prove stop() leaves none behind. */
function trackedTimers() {
  const pending = new Set<NodeJS.Timeout>();
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        pending.delete(t);
        fn();
      }, ms);
      pending.add(t);
      return t;
    },
    clearTimer: (t: unknown) => {
      clearTimeout(t as NodeJS.Timeout);
      pending.delete(t as NodeJS.Timeout);
    },
  };
}

describe('Shard', () => {
  it('opens one combined stream and delivers its frames with the connection id', async () => {
    const { shard, frames, events } = makeShard();
    expect(shard.status().state).toBe('idle');
    shard.start();
    const side = await server.connection(1);
    expect(side.path).toBe('/stream?streams=btcusdt@trade/ethusdt@trade');
    await waitFor(() => shard.status().state === 'open');
    side.ws.send(trade(1));
    side.ws.send(trade(2));
    await waitFor(() => frames.length === 2);
    expect(frames).toEqual([
      { text: trade(1), connectionId: 's1#1' },
      { text: trade(2), connectionId: 's1#1' },
    ]);
    const status = shard.status();
    expect(status).toMatchObject({ id: 's1', state: 'open', streams: 2, reconnects: 0, rotations: 0 });
    expect(status.framesReceived).toBe(2);
    expect(status.connectedSince).toBeGreaterThanOrEqual(side.openedAt);
    expect(status.lastMessageAt).toBeGreaterThanOrEqual(status.connectedSince!);
    expect(events).toEqual([{ type: 'connected', shard: 's1', connectionId: 's1#1', rotation: false }]);
  });

  it('reconnects after a close, a terminate and a TCP drop, waiting the backoff delays', async () => {
    const { shard, events } = makeShard();
    shard.start();
    const first = await server.connection(1);
    first.ws.close(1001, 'bye');
    const second = await server.connection(2);
    second.ws.terminate();
    const third = await server.connection(3);
    third.socket.destroy();
    const fourth = await server.connection(4);
    const gaps = [
      second.openedAt - first.closedAt!,
      third.openedAt - second.closedAt!,
      fourth.openedAt - third.closedAt!,
    ];
    const reconnecting = ofType(events, 'reconnecting');
    expect(reconnecting.map((e) => [e.delayMs, e.attempt, e.rotation])).toEqual([
      [20, 1, false],
      [40, 2, false],
      [80, 3, false],
    ]);
    // The shard only learns of each loss after the server caused it, so every gap covers its delay
    // (less a millisecond of clock rounding).
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(reconnecting[i]!.delayMs - 1);
    const lost = ofType(events, 'disconnected');
    expect(lost.map((e) => [e.connectionId, e.code, e.planned])).toEqual([
      ['s1#1', 1001, false],
      ['s1#2', 1006, false],
      ['s1#3', 1006, false],
    ]);
    await waitFor(() => shard.status().state === 'open');
    expect(shard.status().reconnects).toBe(3);
  });

  it('resets the backoff once a connection stayed up stableAfterMs', async () => {
    const { shard, backoff, events } = makeShard({ stableAfterMs: 100 });
    shard.start();
    (await server.connection(1)).ws.close(1001);
    await server.connection(2);
    expect(backoff.attempts).toBe(1);
    await waitFor(() => backoff.attempts === 0);
    server.connections[1]!.ws.close(1001);
    await server.connection(3);
    expect(ofType(events, 'reconnecting').map((e) => [e.delayMs, e.attempt])).toEqual([
      [20, 1],
      [20, 1],
    ]);
  });

  it('reconnects when the watchdog finds the connection silent', async () => {
    const { shard, events } = makeShard({ watchdogMs: 100 });
    shard.start();
    await server.connection(2);
    const lost = ofType(events, 'disconnected')[0]!;
    expect(lost).toMatchObject({ connectionId: 's1#1', planned: false, code: 1006 });
    expect(lost.reason).toMatch(/nothing from the server/);
    expect(shard.status().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('rotates make-before-break on serverShutdown, delivering from both connections', async () => {
    const { shard, frames, events } = makeShard({ overlapMs: 200 });
    shard.start();
    const old = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    old.ws.send(trade(1));
    old.ws.send(SHUTDOWN);
    const fresh = await server.connection(2);
    expect(old.closedAt).toBeUndefined(); // the new one opened while the old one still lived
    old.ws.send(trade(2));
    fresh.ws.send(trade(2));
    fresh.ws.send(trade(3));
    await old.closed;
    expect(old.closeCode).toBe(1000);
    expect(old.closedAt! - fresh.openedAt).toBeGreaterThanOrEqual(199);
    fresh.ws.send(trade(4));
    await waitFor(() => frames.length === 6);
    const from = (id: string) => frames.filter((f) => f.connectionId === id).map((f) => f.text);
    expect(from('s1#1')).toEqual([trade(1), SHUTDOWN, trade(2)]);
    expect(from('s1#2')).toEqual([trade(2), trade(3), trade(4)]);
    expect(events.map((e) => e.type)).toEqual([
      'connected',
      'rotation-started',
      'connected',
      'rotation-finished',
      'disconnected',
    ]);
    expect(ofType(events, 'rotation-started')[0]!.why).toBe('serverShutdown');
    expect(ofType(events, 'disconnected')[0]).toMatchObject({ connectionId: 's1#1', planned: true });
    expect(shard.status()).toMatchObject({ state: 'open', rotations: 1, reconnects: 0 });
    expect(shard.status().connectedSince).toBeGreaterThanOrEqual(fresh.openedAt);
  });

  it('does not rotate for frames that merely mention serverShutdown', async () => {
    const { shard, frames } = makeShard();
    shard.start();
    const side = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    side.ws.send('{"stream":"x@trade","data":{"e":"trade","note":"serverShutdown"}}');
    side.ws.send('not json serverShutdown');
    await waitFor(() => frames.length === 2);
    await sleep(100);
    expect(server.upgradeRequests).toBe(1);
    expect(shard.status().state).toBe('open');
  });

  it('rotates on schedule, again and again', async () => {
    const { shard, frames } = makeShard({ rotateAfterMs: 150, overlapMs: 30 });
    shard.start();
    const first = await server.connection(1);
    const third = await server.connection(3);
    await first.closed;
    expect(first.closeCode).toBe(1000);
    await server.connections[1]!.closed;
    expect(server.connections[1]!.closeCode).toBe(1000);
    await waitFor(() => shard.status().state === 'open' && shard.status().rotations >= 2);
    third.ws.send(trade(7));
    await waitFor(() => frames.some((f) => f.text === trade(7)));
    expect(frames.find((f) => f.text === trade(7))!.connectionId).toBe('s1#3');
    expect(shard.status().reconnects).toBe(0);
  });

  it('keeps the old connection while the new one cannot open, and retries the rotation', async () => {
    const { shard, frames, events } = makeShard();
    shard.start();
    const old = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    server.upgradeMode = 'reject';
    old.ws.send(SHUTDOWN);
    await waitFor(() => ofType(events, 'reconnecting').length >= 2);
    expect(ofType(events, 'reconnecting').every((e) => e.rotation)).toBe(true);
    expect(shard.status().state).toBe('rotating');
    old.ws.send(trade(5));
    await waitFor(() => frames.some((f) => f.text === trade(5)));
    server.upgradeMode = 'accept';
    await server.connection(2);
    await old.closed;
    expect(old.closeCode).toBe(1000);
    await waitFor(() => ofType(events, 'rotation-finished').length === 1);
    expect(shard.status()).toMatchObject({ state: 'open', rotations: 1, reconnects: 0 });
  });

  it('falls back to a normal reconnect when the old connection dies before the new one opens', async () => {
    const { shard, events } = makeShard();
    shard.start();
    const old = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    server.upgradeMode = 'reject';
    old.ws.send(SHUTDOWN);
    await waitFor(() => ofType(events, 'reconnecting').length >= 1);
    old.ws.terminate();
    await waitFor(() => ofType(events, 'reconnecting').some((e) => !e.rotation));
    server.upgradeMode = 'accept';
    await server.connection(2);
    await waitFor(() => shard.status().state === 'open');
    expect(shard.status()).toMatchObject({ rotations: 0, reconnects: 1 });
  });

  it('lets the new connection take over at once when the old one dies during the overlap', async () => {
    const { shard, events } = makeShard({ overlapMs: 60_000 });
    shard.start();
    const old = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    old.ws.send(SHUTDOWN);
    const fresh = await server.connection(2);
    await waitFor(() => ofType(events, 'connected').length === 2);
    old.ws.terminate();
    await waitFor(() => ofType(events, 'rotation-finished').length === 1);
    expect(shard.status()).toMatchObject({ state: 'open', rotations: 1, reconnects: 0 });
    await sleep(100);
    expect(server.upgradeRequests).toBe(2);
    expect(fresh.closedAt).toBeUndefined();
  });

  it('stop() closes every socket and timer, also mid-rotation, and never reconnects', async () => {
    const { pending, setTimer, clearTimer } = trackedTimers();
    const { shard } = makeShard({ overlapMs: 60_000, stableAfterMs: 60_000, setTimer, clearTimer });
    shard.start();
    const old = await server.connection(1);
    await waitFor(() => shard.status().state === 'open');
    old.ws.send(SHUTDOWN);
    await server.connection(2);
    expect(server.openSockets()).toBe(2);
    await waitFor(() => pending.size === 2); // stable for the old connection, overlap for the new one
    await shard.stop();
    expect(pending.size).toBe(0);
    await waitFor(() => server.openSockets() === 0);
    expect(server.connections.map((c) => c.closeCode)).toEqual([1000, 1000]);
    expect(shard.status()).toMatchObject({ state: 'stopped' });
    expect(shard.status().connectedSince).toBeUndefined();
    await sleep(150);
    expect(server.upgradeRequests).toBe(2);
  });

  it('stop() during backoff cancels the reconnect', async () => {
    const { pending, setTimer, clearTimer } = trackedTimers();
    const { shard } = makeShard({
      backoff: new Backoff({ baseMs: 60_000, capMs: 60_000, random: () => 0.5 }),
      setTimer,
      clearTimer,
    });
    shard.start();
    (await server.connection(1)).ws.close(1001);
    await waitFor(() => shard.status().state === 'backoff');
    expect(pending.size).toBe(1);
    await shard.stop();
    expect(pending.size).toBe(0);
    await sleep(50);
    expect(server.upgradeRequests).toBe(1);
    expect(server.openSockets()).toBe(0);
  });

  it('stop() while waiting for the shared limiter gives up the wait', async () => {
    const sleeps: AbortSignal[] = [];
    const limiter = new AttemptLimiter({
      max: 1,
      windowMs: 60_000,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          sleeps.push(signal);
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    });
    const a = makeShard({ limiter });
    const b = makeShard({ id: 's2', limiter });
    a.shard.start();
    b.shard.start();
    await server.connection(1);
    await sleep(50);
    expect(server.upgradeRequests).toBe(1);
    expect(b.shard.status().state).toBe('connecting');
    await Promise.all([b.shard.stop(), a.shard.stop()]);
    await waitFor(() => server.openSockets() === 0);
    expect(limiter.available()).toBe(0);
    // The limiter slept for b only; with b gone nobody waits, so the sleep was cancelled.
    expect(sleeps.map((s) => s.aborted)).toEqual([true]);
  });

  it('refuses a stream list Binance would refuse', () => {
    expect(() => makeShard({ streams: [] })).toThrow(/no streams/);
  });
});
