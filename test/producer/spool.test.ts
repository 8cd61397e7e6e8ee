import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from '../../producer/spool/frame.js';
import { Spool, type SpoolCodec, SpoolError, type SpoolOptions } from '../../producer/spool/spool.js';
import { rejectionOf } from '../support/errors.js';

const text: SpoolCodec<string> = {
  encode: (value) => Buffer.from(value, 'utf8'),
  decode: (bytes) => bytes.toString('utf8'),
};

/** A message of exactly `bytes` encoded bytes that still says which one it is. */
function message(name: string, bytes = 100): string {
  return name.padEnd(bytes, '.');
}

let dir: string;
const open: Spool<string>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
  await rm(dir, { recursive: true, force: true });
});

async function openSpool(options: Partial<SpoolOptions> = {}): Promise<Spool<string>> {
  const spool = await Spool.open(
    { dir, diskBudgetBytes: 1 << 20, memoryBudgetBytes: 1 << 20, fsyncIntervalMs: 5, ...options },
    text,
  );
  open.push(spool);
  return spool;
}

async function appendAll(spool: Spool<string>, values: readonly string[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const value of values) {
    const result = await spool.append(value);
    if (!result.accepted) throw new Error(`append refused: ${result.reason}`);
    seqs.push(result.seq);
  }
  return seqs;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

describe('append, take, ack', () => {
  it('hands out records in append order, each once, and forgets them when acknowledged', async () => {
    const spool = await openSpool();
    const seqs = await appendAll(spool, ['a', 'b', 'c', 'd', 'e']);
    expect(seqs).toEqual([0, 1, 2, 3, 4]);

    const first = await spool.take(3, 1 << 20);
    expect(first).toEqual([
      { seq: 0, value: 'a', bytes: 1 },
      { seq: 1, value: 'b', bytes: 1 },
      { seq: 2, value: 'c', bytes: 1 },
    ]);
    expect((await spool.take(10, 1 << 20)).map((r) => r.value)).toEqual(['d', 'e']);
    expect(await spool.take(10, 1 << 20)).toEqual([]);
    expect(spool.stats()).toMatchObject({ pendingRecords: 5, pendingBytes: 5, oldestPendingSeq: 0 });

    spool.ack([0, 1, 2, 3, 4]);
    const stats = spool.stats();
    expect(stats).toMatchObject({ pendingRecords: 0, pendingBytes: 0, dropped: 0 });
    expect(stats.oldestPendingSeq).toBeUndefined();
  });

  it('stops at maxBytes but always hands out at least one record', async () => {
    const spool = await openSpool();
    await appendAll(spool, [message('big', 500), message('s1', 100), message('s2', 100), message('s3', 100)]);
    expect((await spool.take(10, 50)).map((r) => r.bytes)).toEqual([500]);
    expect((await spool.take(10, 250)).map((r) => r.value.slice(0, 2))).toEqual(['s1', 's2']);
    expect((await spool.take(0, 1000)).length).toBe(0);
    expect((await spool.take(10, 0)).map((r) => r.value.slice(0, 2))).toEqual(['s3']);
  });

  it('accepts acks out of order and reports the oldest record still pending', async () => {
    const spool = await openSpool();
    await appendAll(spool, ['a', 'b', 'c', 'd']);
    await spool.take(4, 1 << 20);
    spool.ack([3, 1]);
    expect(spool.stats()).toMatchObject({ pendingRecords: 2, oldestPendingSeq: 0 });
    spool.ack([0]);
    expect(spool.stats()).toMatchObject({ pendingRecords: 1, oldestPendingSeq: 2 });
    // Acks for unknown or already acknowledged seqs change nothing.
    spool.ack([0, 1, 99]);
    expect(spool.stats()).toMatchObject({ pendingRecords: 1, pendingBytes: 1, oldestPendingSeq: 2 });
  });

  it('ignores acks for records not handed out yet', async () => {
    const spool = await openSpool();
    await appendAll(spool, ['a', 'b']);
    spool.ack([0, 1]);
    expect((await spool.take(5, 100)).map((r) => r.seq)).toEqual([0, 1]);
  });

  it('keeps the order of appends that are not awaited one by one, and batches them', async () => {
    const spool = await openSpool({ segmentBytes: 4096 });
    const values = Array.from({ length: 300 }, (_, i) => message(`m${i}`, 50));
    const results = await Promise.all(values.map((v) => spool.append(v)));
    expect(results.map((r) => (r.accepted ? r.seq : -1))).toEqual(values.map((_, i) => i));
    const taken = await spool.take(1000, 1 << 30);
    expect(taken.map((r) => r.value)).toEqual(values);
    expect((await segmentFiles()).length).toBeGreaterThan(3);
  });

  it('whenAvailable waits for an append, and resolves on close', async () => {
    const spool = await openSpool();
    let woke = false;
    const waiting = spool.whenAvailable().then(() => {
      woke = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(woke).toBe(false);
    await spool.append('x');
    await waiting;
    expect(woke).toBe(true);
    await spool.whenAvailable(); // resolves at once while something is available
    await spool.take(1, 10);

    const onClose = spool.whenAvailable();
    await spool.close();
    await onClose;
    expect(await spool.append('late')).toEqual({ accepted: false, reason: 'closed' });
    expect(await spool.take(1, 10)).toEqual([]);
  });

  it('rejects a value the codec cannot encode, and bad options', async () => {
    const spool = await Spool.open<string>(
      { dir, diskBudgetBytes: 1000, memoryBudgetBytes: 0 },
      {
        encode: () => {
          throw new Error('nope');
        },
        decode: () => '',
      },
    );
    open.push(spool as Spool<string>);
    expect((await rejectionOf(spool.append('x'))).code).toBe('CODEC');
    const bad = await rejectionOf(Spool.open({ dir, diskBudgetBytes: 0, memoryBudgetBytes: 0 }, text));
    expect(bad).toBeInstanceOf(SpoolError);
    expect(bad.code).toBe('BAD_OPTIONS');
    expect(bad.message).toContain('diskBudgetBytes');
  });
});

describe('write failures', () => {
  it('fails the append that could not be written and every later one; a reopen recovers what was written', async () => {
    const frame = FRAME_HEADER_BYTES + 100;
    const spool = await openSpool({ segmentBytes: frame });
    await appendAll(spool, [message('a')]);
    // The next segment's file name is taken by a directory, so starting that segment fails.
    const blocker = join(dir, '00000000000000000001.seg');
    await mkdir(blocker);
    const failed = await rejectionOf(spool.append(message('b')));
    expect(failed).toBeInstanceOf(SpoolError);
    expect(failed.code).toBe('IO');
    expect(failed.message).toContain('00000000000000000001.seg');
    expect((await rejectionOf(spool.append(message('c')))).code).toBe('IO');
    expect((await rejectionOf(spool.close())).code).toBe('IO');

    await rm(blocker, { recursive: true });
    const again = await openSpool({ segmentBytes: frame });
    expect((await again.take(10, 1 << 20)).map((r) => [r.seq, r.value[0]])).toEqual([[0, 'a']]);
    expect(await again.append(message('d'))).toEqual({ accepted: true, seq: 1 });
  });
});

describe('disk budget', () => {
  it('refuses appends over the budget, counts them, and accepts again once acks free space', async () => {
    const frame = FRAME_HEADER_BYTES + 100;
    const spool = await openSpool({ diskBudgetBytes: frame * 4, segmentBytes: frame * 2 });
    await appendAll(
      spool,
      ['a', 'b', 'c', 'd'].map((n) => message(n)),
    );
    expect(await spool.append(message('e'))).toEqual({ accepted: false, reason: 'disk-budget' });
    expect(await spool.append(message('f'))).toEqual({ accepted: false, reason: 'disk-budget' });
    expect(spool.stats()).toMatchObject({ dropped: 2, diskBytes: frame * 4, pendingRecords: 4 });

    const taken = await spool.take(2, 1 << 20);
    spool.ack([taken[1]!.seq]);
    expect(await spool.append(message('g'))).toMatchObject({ accepted: false }); // half a segment acked frees nothing
    spool.ack([taken[0]!.seq]);
    expect(await spool.append(message('h'))).toEqual({ accepted: true, seq: 4 });
    expect(spool.stats()).toMatchObject({ dropped: 3, diskBytes: frame * 3, pendingRecords: 3 });
    expect((await spool.take(10, 1 << 20)).map((r) => r.value[0])).toEqual(['c', 'd', 'h']);
  });

  it('gives back the space of a fully acknowledged open segment when the budget is short', async () => {
    const frame = FRAME_HEADER_BYTES + 100;
    // One segment would hold everything: only rolling over can free the space.
    const spool = await openSpool({ diskBudgetBytes: frame * 2, segmentBytes: 1 << 20 });
    await appendAll(spool, [message('a'), message('b')]);
    spool.ack((await spool.take(2, 1 << 20)).map((r) => r.seq));
    expect(await spool.append(message('c'))).toEqual({ accepted: true, seq: 2 });
    expect(spool.stats()).toMatchObject({ diskBytes: frame, segments: 1, dropped: 0 });
    await spool.flush();
    expect(await segmentFiles()).toEqual(['00000000000000000002.seg']);
  });

  it('refuses a single value larger than the whole budget', async () => {
    const spool = await openSpool({ diskBudgetBytes: 1000 });
    expect(await spool.append(message('huge', 2000))).toEqual({ accepted: false, reason: 'disk-budget' });
    expect(await spool.append(message('fits', 500))).toEqual({ accepted: true, seq: 0 });
  });
});

describe('memory budget', () => {
  it('keeps at most the budget in memory and reads the rest back from disk, in order', async () => {
    const budget = 3000;
    const spool = await openSpool({ memoryBudgetBytes: budget, segmentBytes: 8 * 1024 });
    const values = Array.from({ length: 40 }, (_, i) => message(`v${i}`, 1000));
    let maxInMemory = 0;
    for (const value of values) {
      await spool.append(value);
      maxInMemory = Math.max(maxInMemory, spool.stats().inMemoryBytes);
    }
    expect(maxInMemory).toBe(3000);
    const taken: string[] = [];
    for (let batch = await spool.take(3, 2500); batch.length > 0; batch = await spool.take(3, 2500)) {
      taken.push(...batch.map((r) => r.value));
      expect(spool.stats().inMemoryBytes).toBeLessThanOrEqual(budget + 1000);
      spool.ack(batch.map((r) => r.seq));
      if (taken.length === 20) await appendAll(spool, ['late-1', 'late-2']);
    }
    expect(taken).toEqual([...values, 'late-1', 'late-2']);
    expect(spool.stats()).toMatchObject({ pendingRecords: 0, inMemoryBytes: 0 });
  });

  it('works with no memory at all', async () => {
    const spool = await openSpool({ memoryBudgetBytes: 0, segmentBytes: 256 });
    const values = Array.from({ length: 12 }, (_, i) => message(`z${i}`, 60));
    await appendAll(spool, values);
    expect(spool.stats().inMemoryBytes).toBe(0);
    const first = await spool.take(5, 1 << 20);
    spool.ack(first.map((r) => r.seq));
    await appendAll(spool, ['tail']);
    const rest = await spool.take(100, 1 << 20);
    expect([...first, ...rest].map((r) => r.value)).toEqual([...values, 'tail']);
    expect(spool.stats().inMemoryBytes).toBe(0);
  });
});

describe('segments', () => {
  it('deletes a segment once all its records are acknowledged, in whatever order', async () => {
    const frame = FRAME_HEADER_BYTES + 100;
    const spool = await openSpool({ segmentBytes: frame * 3 });
    await appendAll(
      spool,
      Array.from({ length: 9 }, (_, i) => message(`s${i}`)),
    );
    expect(await segmentFiles()).toEqual([
      '00000000000000000000.seg',
      '00000000000000000003.seg',
      '00000000000000000006.seg',
    ]);
    await spool.take(9, 1 << 20);
    spool.ack([5, 3, 0, 1]);
    await spool.flush();
    expect(await segmentFiles()).toEqual([
      '00000000000000000000.seg',
      '00000000000000000003.seg',
      '00000000000000000006.seg',
    ]);
    spool.ack([4]);
    await spool.flush();
    expect(await segmentFiles()).toEqual(['00000000000000000000.seg', '00000000000000000006.seg']);
    spool.ack([2, 6, 7, 8]);
    await spool.flush();
    // The open segment stays even when fully acknowledged: appends go on there.
    expect(await segmentFiles()).toEqual(['00000000000000000006.seg']);
    expect(spool.stats()).toMatchObject({ segments: 1, diskBytes: frame * 3, pendingRecords: 0 });
  });

  it('frames each record as length, CRC32 and payload', async () => {
    const spool = await openSpool();
    await appendAll(spool, ['hello']);
    await spool.close();
    const bytes = await readFile(join(dir, '00000000000000000000.seg'));
    expect(bytes.length).toBe(FRAME_HEADER_BYTES + 5);
    expect(bytes.readUInt32LE(0)).toBe(5);
    expect(bytes.subarray(8).toString()).toBe('hello');
  });
});

describe('lock', () => {
  it('refuses a second open of the same directory, naming it, until the first closes', async () => {
    const first = await openSpool();
    const err = await rejectionOf(openSpool());
    expect(err).toBeInstanceOf(SpoolError);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain(dir);
    await first.close();
    await expect(stat(join(dir, 'spool.lock'))).rejects.toThrow();
    const second = await openSpool();
    expect(second.stats().pendingRecords).toBe(0);
  });

  it('takes over a lock left by a process that is gone, with a warning', async () => {
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(dir, 'spool.lock'), JSON.stringify({ pid: gone, instance: 'x', createdAt: '' }));
    const warnings: string[] = [];
    const spool = await openSpool({ onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['spool lock is stale; taking it over']);
    expect(await spool.append('ok')).toEqual({ accepted: true, seq: 0 });
  });
});
