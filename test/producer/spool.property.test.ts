import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Spool, type SpoolCodec, type SpooledRecord, type SpoolOptions } from '../../producer/spool/spool.js';

const text: SpoolCodec<string> = {
  encode: (value) => Buffer.from(value, 'utf8'),
  decode: (bytes) => bytes.toString('utf8'),
};

const MAX_VALUE_BYTES = 300;

type Op =
  | { readonly kind: 'append'; readonly bytes: number }
  | { readonly kind: 'take'; readonly maxRecords: number; readonly maxBytes: number }
  | { readonly kind: 'ack'; readonly picks: readonly number[]; readonly bogus: boolean }
  | { readonly kind: 'reopen'; readonly how: 'close' | 'flush-and-crash' | 'crash' };

const appendOp = fc.record({
  kind: fc.constant('append' as const),
  bytes: fc.integer({ min: 4, max: MAX_VALUE_BYTES }),
});
const takeOp = fc.record({
  kind: fc.constant('take' as const),
  maxRecords: fc.integer({ min: 1, max: 6 }),
  maxBytes: fc.integer({ min: 0, max: 700 }),
});
const ackOp = fc.record({
  kind: fc.constant('ack' as const),
  picks: fc.array(fc.nat({ max: 50 }), { maxLength: 6 }),
  bogus: fc.boolean(),
});

function opsArbitrary(reopens: readonly ('close' | 'flush-and-crash' | 'crash')[]): fc.Arbitrary<Op[]> {
  const reopenOp = fc.record({ kind: fc.constant('reopen' as const), how: fc.constantFrom(...reopens) });
  const op = fc.oneof(
    { arbitrary: appendOp, weight: 5 },
    { arbitrary: takeOp, weight: 3 },
    { arbitrary: ackOp, weight: 3 },
    { arbitrary: reopenOp, weight: 1 },
  );
  return fc.array(op, { minLength: 1, maxLength: 40 });
}

interface ScenarioOptions {
  readonly segmentBytes: number;
  readonly memoryBudgetBytes: number;
  readonly diskBudgetBytes: number;
}

const optionsArbitrary: fc.Arbitrary<ScenarioOptions> = fc.record({
  segmentBytes: fc.integer({ min: 40, max: 2000 }),
  memoryBudgetBytes: fc.integer({ min: 0, max: 1500 }),
  diskBudgetBytes: fc.integer({ min: 400, max: 6000 }),
});

/** What the spool must hold: every accepted value, which are acknowledged, which are handed out now. */
class Model {
  readonly values = new Map<number, string>();
  readonly acked = new Set<number>();
  handed = new Set<number>();
  nextSeq = 0;
  dropped = 0;

  pending(): number[] {
    return [...this.values.keys()].filter((seq) => !this.acked.has(seq)).sort((a, b) => a - b);
  }

  untaken(): number[] {
    return this.pending().filter((seq) => !this.handed.has(seq));
  }
}

class Harness {
  private spool!: Spool<string>;
  readonly model = new Model();
  private counter = 0;

  constructor(private readonly options: SpoolOptions) {}

  async open(): Promise<void> {
    this.spool = await Spool.open(this.options, text);
    this.model.handed = new Set();
  }

  async run(op: Op): Promise<void> {
    if (op.kind === 'append') await this.append(op.bytes);
    else if (op.kind === 'take') await this.take(op.maxRecords, op.maxBytes);
    else if (op.kind === 'ack') this.ack(op.picks, op.bogus);
    else await this.reopen(op.how);
    this.checkStats();
  }

  private async append(bytes: number): Promise<void> {
    const value = `v${this.counter++}:`.padEnd(bytes, 'x');
    const result = await this.spool.append(value);
    if (!result.accepted) {
      expect(result.reason).toBe('disk-budget');
      this.model.dropped++;
      return;
    }
    expect(result.seq).toBe(this.model.nextSeq++);
    this.model.values.set(result.seq, value);
  }

  private async take(maxRecords: number, maxBytes: number): Promise<void> {
    const untaken = this.model.untaken();
    const records = await this.spool.take(maxRecords, maxBytes);
    this.checkTaken(records, untaken, maxRecords, maxBytes);
    for (const record of records) this.model.handed.add(record.seq);
  }

  /** The next records in order, as many as fit, and at least one when any is there. */
  private checkTaken(
    records: SpooledRecord<string>[],
    untaken: number[],
    max: number,
    maxBytes: number,
  ): void {
    expect(records.map((r) => r.seq)).toEqual(untaken.slice(0, records.length));
    for (const r of records) expect(r.value).toBe(this.model.values.get(r.seq));
    const total = records.reduce((sum, r) => sum + r.bytes, 0);
    if (untaken.length > 0) expect(records.length).toBeGreaterThan(0);
    if (records.length > 1) expect(total).toBeLessThanOrEqual(maxBytes);
    const next = untaken[records.length];
    if (records.length < max && next !== undefined) {
      expect(total + Buffer.byteLength(this.model.values.get(next)!)).toBeGreaterThan(maxBytes);
    }
  }

  private ack(picks: readonly number[], bogus: boolean): void {
    const handed = [...this.model.handed];
    const seqs = handed.length === 0 ? [] : picks.map((i) => handed[i % handed.length]!);
    if (bogus) seqs.push(this.model.nextSeq + 3, ...this.model.acked);
    this.spool.ack(seqs);
    for (const seq of seqs) {
      if (!this.model.handed.delete(seq)) continue;
      this.model.acked.add(seq);
    }
  }

  async reopen(how: 'close' | 'flush-and-crash' | 'crash'): Promise<void> {
    if (how === 'close') await this.spool.close();
    if (how === 'flush-and-crash') await this.spool.flush();
    if (how !== 'close') await this.spool.simulateCrashForTesting();
    await this.open();
    if (how === 'crash') await this.learnAfterCrash();
  }

  /**
   * Acks not saved before a crash may come back: whatever is handed out again must include every
   * unacknowledged record and nothing that was never accepted, in order. The model then adopts it.
   */
  private async learnAfterCrash(): Promise<void> {
    const pending = this.model.pending();
    const records = await this.spool.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const seqs = records.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs).toEqual(expect.arrayContaining(pending));
    for (const r of records) expect(r.value).toBe(this.model.values.get(r.seq));
    for (const seq of this.model.values.keys()) {
      if (seqs.includes(seq)) this.model.acked.delete(seq);
      else this.model.acked.add(seq);
    }
    this.model.handed = new Set(seqs);
  }

  private checkStats(): void {
    const stats = this.spool.stats();
    const pending = this.model.pending();
    expect(stats.pendingRecords).toBe(pending.length);
    expect(stats.oldestPendingSeq).toBe(pending[0]);
    expect(stats.inMemoryBytes).toBeLessThanOrEqual(this.options.memoryBudgetBytes + MAX_VALUE_BYTES);
    expect(stats.diskBytes).toBeLessThanOrEqual(this.options.diskBudgetBytes);
  }

  /** Lets go of the directory whatever state the run ended in (a no-op once closed). */
  async dispose(): Promise<void> {
    await this.spool?.simulateCrashForTesting();
  }

  /** After a clean reopen, exactly the accepted and unacknowledged records come back, in order. */
  async finish(): Promise<void> {
    await this.reopen('close');
    const records = await this.spool.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const expected = this.model.pending();
    expect(records.map((r) => r.seq)).toEqual(expected);
    expect(records.map((r) => r.value)).toEqual(expected.map((seq) => this.model.values.get(seq)));
    await this.spool.close();
  }
}

async function runScenario(options: ScenarioOptions, ops: readonly Op[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-prop-'));
  const harness = new Harness({ dir, fsyncIntervalMs: 60_000, ...options });
  try {
    await harness.open();
    for (const op of ops) await harness.run(op);
    await harness.finish();
  } finally {
    await harness.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('spool, any interleaving of append / take / ack / reopen', () => {
  it('hands out after a reopen exactly the accepted records not acknowledged, in order', async () => {
    await fc.assert(
      fc.asyncProperty(optionsArbitrary, opsArbitrary(['close', 'flush-and-crash']), runScenario),
      { numRuns: 60 },
    );
  });

  it('after a crash with acks not yet saved, hands out at least every unacknowledged record, in order', async () => {
    await fc.assert(fc.asyncProperty(optionsArbitrary, opsArbitrary(['crash', 'close']), runScenario), {
      numRuns: 40,
    });
  });
});
