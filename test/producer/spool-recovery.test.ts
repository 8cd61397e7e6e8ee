import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from '../../producer/spool/frame.js';
import { Spool, type SpoolCodec, type SpoolOptions } from '../../producer/spool/spool.js';

const text: SpoolCodec<string> = {
  encode: (value) => Buffer.from(value, 'utf8'),
  decode: (bytes) => bytes.toString('utf8'),
};

const BODY = 100;
const FRAME = FRAME_HEADER_BYTES + BODY;

function message(name: string): string {
  return name.padEnd(BODY, '.');
}

interface Warning {
  readonly message: string;
  readonly details: Record<string, unknown>;
}

let dir: string;
let warnings: Warning[];
const open: Spool<string>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-recovery-'));
  warnings = [];
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
  await rm(dir, { recursive: true, force: true });
});

async function openSpool(options: Partial<SpoolOptions> = {}, codec = text): Promise<Spool<string>> {
  const spool = await Spool.open(
    {
      dir,
      diskBudgetBytes: 1 << 20,
      memoryBudgetBytes: 1 << 20,
      fsyncIntervalMs: 60_000, // nothing is saved in the background unless a test says so
      onWarning: (message, details) =>
        warnings.push({ message, details: details as Record<string, unknown> }),
      ...options,
    },
    codec,
  );
  open.push(spool);
  return spool;
}

/** Appends `names` as messages and closes the spool cleanly. */
async function spoolAndClose(names: readonly string[], options: Partial<SpoolOptions> = {}): Promise<void> {
  const spool = await openSpool(options);
  for (const name of names) await spool.append(message(name));
  await spool.close();
}

/** Everything the spool hands out, as [seq, name] pairs. */
async function drain(spool: Spool<string>): Promise<[number, string][]> {
  const records = await spool.take(1_000_000, Number.MAX_SAFE_INTEGER);
  return records.map((r) => [r.seq, r.value.replace(/\.+$/, '')]);
}

function segment(firstSeq: number): string {
  return join(dir, `${String(firstSeq).padStart(20, '0')}.seg`);
}

describe('reopen after a clean close', () => {
  it('hands out exactly the unacknowledged records again, in order, with their seqs', async () => {
    const spool = await openSpool({ segmentBytes: FRAME * 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) await spool.append(message(name));
    await spool.take(4, 1 << 20);
    spool.ack([1, 3, 0]);
    await spool.close();

    const again = await openSpool({ segmentBytes: FRAME * 2 });
    expect(again.stats()).toMatchObject({ pendingRecords: 3, pendingBytes: 3 * BODY, oldestPendingSeq: 2 });
    expect(await drain(again)).toEqual([
      [2, 'c'],
      [4, 'e'],
      [5, 'f'],
    ]);
    expect(await again.append(message('g'))).toEqual({ accepted: true, seq: 6 });
    expect(warnings).toEqual([]);
  });

  it('keeps counting seqs up after every record was acknowledged and deleted', async () => {
    const spool = await openSpool({ segmentBytes: FRAME });
    for (const name of ['a', 'b', 'c']) await spool.append(message(name));
    spool.ack((await spool.take(3, 1 << 20)).map((r) => r.seq));
    await spool.close();
    expect((await readdir(dir)).sort()).toEqual(['00000000000000000002.seg', 'acks.json']);
    expect(JSON.parse(await readFile(join(dir, 'acks.json'), 'utf8'))).toEqual({
      version: 1,
      floor: 3,
      acked: [],
    });

    const again = await openSpool({ segmentBytes: FRAME });
    expect(await drain(again)).toEqual([]);
    expect(await again.append(message('d'))).toEqual({ accepted: true, seq: 3 });
  });

  it('sends everything again, with a warning, when the ack state is unreadable', async () => {
    const spool = await openSpool();
    for (const name of ['a', 'b']) await spool.append(message(name));
    spool.ack([(await spool.take(1, 1 << 20))[0]!.seq]);
    await spool.close();
    await writeFile(join(dir, 'acks.json'), '{"version":1,"fl');

    const again = await openSpool();
    expect(await drain(again)).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      'spool ack state unreadable; acknowledged records may be sent again',
    ]);
  });
});

describe('large records', () => {
  it('reads back records larger than the read-ahead chunks, in this process and after a reopen', async () => {
    const big = ['x', 'y', 'z'].map((c, i) => `${c}${i}`.padEnd(1_200_000 + i, c));
    const options = { memoryBudgetBytes: 0, diskBudgetBytes: 1 << 30 };
    const same = (records: { value: string }[], from: number) =>
      records.map((r, i) => r.value === big[from + i]);
    const spool = await openSpool(options);
    for (const value of big) expect(await spool.append(value)).toMatchObject({ accepted: true });
    expect(same(await spool.take(1, 1), 0)).toEqual([true]);
    await spool.close();

    const again = await openSpool(options);
    const first = await again.take(10, 1);
    expect(first.map((r) => [r.seq, r.bytes])).toEqual([[0, 1_200_000]]);
    expect(same(first, 0)).toEqual([true]);
    expect(same(await again.take(10, 1 << 30), 1)).toEqual([true, true]);
    expect(warnings).toEqual([]);
  });
});

describe('reopen after a crash', () => {
  it('hands out every unacknowledged record again (acks not yet saved are sent again too)', async () => {
    const spool = await openSpool();
    for (const name of ['a', 'b', 'c', 'd']) await spool.append(message(name));
    await spool.take(2, 1 << 20);
    spool.ack([0]);
    await spool.simulateCrashForTesting();
    expect((await readdir(dir)).sort()).toContain('spool.lock');

    const again = await openSpool();
    expect(warnings.map((w) => w.message)).toEqual(['spool lock is stale; taking it over']);
    expect(await drain(again)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
    ]);
  });

  it('resends exactly the unacknowledged records when the acks were flushed before the crash', async () => {
    const spool = await openSpool({ segmentBytes: FRAME * 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await spool.append(message(name));
    await spool.take(5, 1 << 20);
    spool.ack([0, 1, 3]);
    await spool.flush();
    await spool.simulateCrashForTesting();

    const again = await openSpool({ segmentBytes: FRAME * 2 });
    expect(await drain(again)).toEqual([
      [2, 'c'],
      [4, 'e'],
    ]);
  });

  it('saves acks in the background at the fsync interval', async () => {
    const spool = await openSpool({ fsyncIntervalMs: 5 });
    for (const name of ['a', 'b', 'c']) await spool.append(message(name));
    spool.ack([(await spool.take(1, 1 << 20))[0]!.seq]);
    for (let i = 0; i < 200; i++) {
      const saved = await readFile(join(dir, 'acks.json'), 'utf8').catch(() => '');
      if (saved.includes('"floor":1')) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await spool.simulateCrashForTesting();
    const again = await openSpool();
    expect(await drain(again)).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
  });

  it('never gives out again a seq that was acknowledged, even when its record was lost with the tail', async () => {
    const spool = await openSpool();
    for (const name of ['a', 'b', 'c']) await spool.append(message(name));
    spool.ack((await spool.take(3, 1 << 20)).map((r) => r.seq));
    await spool.flush();
    await spool.simulateCrashForTesting();
    await truncate(segment(0), FRAME); // written but never synced: lost in a power cut

    const again = await openSpool();
    expect(await drain(again)).toEqual([]);
    expect(await again.append(message('d'))).toEqual({ accepted: true, seq: 3 });
  });
});

describe('damaged segment files', () => {
  it('cuts off garbage appended after the last record and keeps every record before it', async () => {
    await spoolAndClose(['a', 'b', 'c']);
    await appendFile(segment(0), Buffer.from([7, 1, 2, 3, 4]));

    const spool = await openSpool();
    expect(await drain(spool)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      message: 'spool segment had a torn or corrupt tail; cut it off',
      details: { reason: 'incomplete frame at the end of the file', keptRecords: 3, droppedBytes: 5 },
    });
    expect((await stat(segment(0))).size).toBe(3 * FRAME);
    expect(await spool.append(message('d'))).toEqual({ accepted: true, seq: 3 });
  });

  it('cuts off half a record left by a crash mid-write', async () => {
    await spoolAndClose(['a', 'b', 'c']);
    await truncate(segment(0), 2 * FRAME + 50);

    const spool = await openSpool();
    expect(await drain(spool)).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(warnings[0]?.details).toMatchObject({ keptRecords: 2, keptBytes: 2 * FRAME, firstLostSeq: 2 });
  });

  it('detects a flipped byte by its CRC and keeps the records before it', async () => {
    await spoolAndClose(['a', 'b', 'c']);
    const bytes = await readFile(segment(0));
    bytes[FRAME + FRAME_HEADER_BYTES + 10]! ^= 0x01;
    await writeFile(segment(0), bytes);

    const spool = await openSpool();
    expect(await drain(spool)).toEqual([[0, 'a']]);
    expect(warnings[0]?.details).toMatchObject({ reason: 'CRC32 mismatch', keptRecords: 1, firstLostSeq: 1 });
  });

  it('detects a flipped length field by its CRC', async () => {
    await spoolAndClose(['a', 'b']);
    const bytes = await readFile(segment(0));
    bytes[FRAME]! ^= 0x04; // record 1 (100 bytes) now claims to be 96 bytes long
    await writeFile(segment(0), bytes);

    const spool = await openSpool();
    expect(await drain(spool)).toEqual([[0, 'a']]);
    expect(warnings[0]?.details).toMatchObject({ reason: 'CRC32 mismatch' });
  });

  it('loses only the damaged part of an older segment; later segments are handed out in order', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    await spoolAndClose(names, { segmentBytes: FRAME * 3 });
    const bytes = await readFile(segment(3));
    bytes[FRAME + FRAME_HEADER_BYTES]! ^= 0xff; // record 4
    await writeFile(segment(3), bytes);

    const spool = await openSpool({ segmentBytes: FRAME * 3 });
    expect(spool.stats()).toMatchObject({ pendingRecords: 5, oldestPendingSeq: 0 });
    const handed = await drain(spool);
    expect(handed.map(([seq]) => seq)).toEqual([0, 1, 2, 3, 6]);
    spool.ack(handed.map(([seq]) => seq));
    expect(spool.stats()).toMatchObject({ pendingRecords: 0, segments: 1 });
    await spool.flush();
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toEqual(['00000000000000000007.seg']);
  });

  it('skips the rest of a segment damaged while the spool was running, and counts what was lost', async () => {
    const spool = await openSpool({ memoryBudgetBytes: 0 });
    for (const name of ['a', 'b', 'c', 'd']) await spool.append(message(name));
    expect((await drain(spool)).map(([seq]) => seq)).toEqual([0, 1, 2, 3]);
    await spool.append(message('e'));
    await spool.append(message('f'));
    const bytes = await readFile(segment(0));
    bytes[4 * FRAME + FRAME_HEADER_BYTES + 3]! ^= 0x10; // record 4, not handed out yet
    await writeFile(segment(0), bytes);
    // A take after the damage skips both unread records rather than guessing where the next frame starts.
    expect(await drain(spool)).toEqual([]);
    expect(spool.stats()).toMatchObject({ corrupt: 2, pendingRecords: 4 });
    expect(warnings[0]).toMatchObject({
      message: 'spool segment is damaged; skipped the rest of it',
      details: { reason: 'CRC32 mismatch', firstLostSeq: 4, lostRecords: 2 },
    });
    await spool.append(message('g'));
    expect(await drain(spool)).toEqual([[6, 'g']]);
  });

  it('skips a record its codec cannot decode, with a warning', async () => {
    await spoolAndClose(['a', 'bad', 'c']);
    const picky: SpoolCodec<string> = {
      encode: text.encode,
      decode: (bytes) => {
        const value = text.decode(bytes);
        if (value.startsWith('bad')) throw new Error('cannot decode');
        return value;
      },
    };
    const spool = await openSpool({}, picky);
    expect(await drain(spool)).toEqual([
      [0, 'a'],
      [2, 'c'],
    ]);
    expect(spool.stats()).toMatchObject({ corrupt: 1, pendingRecords: 2 });
    expect(warnings[0]).toMatchObject({
      message: 'spool record could not be decoded; skipped it',
      details: { seq: 1 },
    });
  });
});
