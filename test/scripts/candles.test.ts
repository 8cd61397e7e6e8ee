import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../core/aggregate.js';
import { formatScaled, parseUnits, toBigInt } from '../../core/decimal.js';
import { fillEmptyIntervals } from '../../core/fill.js';
import type { Interval } from '../../core/interval.js';
import { klineCsvLine } from '../../core/kline.js';
import { formatRecordedLine } from '../../core/parse/recorded.js';
import { syntheticTrades, tradeFrame } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import { type ComputeOptions, runCompute } from '../../scripts/candles/compute.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Runs the command in-process on `lines` (each written as one chunk ending in a newline). */
async function compute(lines: readonly string[], options: Partial<ComputeOptions> = {}): Promise<RunResult> {
  const stdout = collector();
  const stderr = collector();
  const opts: ComputeOptions = { interval: '1m', format: 'auto', skipBad: false, fill: true, ...options };
  const code = await runCompute(opts, {
    stdin: Readable.from(lines.map((l) => `${l}\n`)),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The kline rows the command should print for these trades, computed straight from the core. */
function expectedRows(trades: readonly Trade[], interval: Interval = '1m', fill = true): string {
  const candles = aggregate(trades, interval);
  const series = fill ? fillEmptyIntervals(candles) : candles;
  return series.map((c) => `${klineCsvLine(c)}\n`).join('');
}

/** Trades spread over many minutes, some of them without trades. */
function sparseTrades(count: number, symbol = 'BTCUSDT', startId = 3_735_683_259): Trade[] {
  return [...syntheticTrades(count, { symbol, startId, seed: 5, meanGapMs: 40_000 })];
}

function spotCsvRow(t: Trade): string {
  const quoteQty = formatScaled(toBigInt(parseUnits(t.price)) * toBigInt(parseUnits(t.qty)), 16, 8);
  return `${t.id},${t.price},${t.qty},${quoteQty},${t.time},${t.buyerIsMaker ? 'True' : 'False'},True`;
}

function historicalTradeJson(t: Trade): Record<string, unknown> {
  return {
    id: t.id,
    price: t.price,
    qty: t.qty,
    quoteQty: '0',
    time: t.time,
    isBuyerMaker: t.buyerIsMaker,
    isBestMatch: true,
  };
}

/** Binance-style aggTrades: runs of trades at one time, price and side folded into one record. */
function aggTradesJson(trades: readonly Trade[]): Record<string, unknown>[] {
  const out: { a: number; p: string; q: bigint; f: number; l: number; T: number; m: boolean }[] = [];
  for (const t of trades) {
    const last = out[out.length - 1];
    const qty = toBigInt(parseUnits(t.qty));
    if (last !== undefined && last.T === t.time && last.p === t.price && last.m === t.buyerIsMaker) {
      last.q += qty;
      last.l = t.id;
    } else {
      out.push({
        a: 90_000 + out.length,
        p: t.price,
        q: qty,
        f: t.id,
        l: t.id,
        T: t.time,
        m: t.buyerIsMaker,
      });
    }
  }
  return out.map((r) => ({ ...r, q: formatScaled(r.q, 8), M: true }));
}

describe('candles compute (in-process)', () => {
  it('turns trade frames into the filled 1m klines of the core', async () => {
    // Prepare
    const trades = sparseTrades(300);
    const expected = expectedRows(trades);

    // Act
    const result = await compute(trades.map((t) => tradeFrame(t)));

    // Assess
    expect(result).toStrictEqual({ code: 0, stdout: expected, stderr: '' });
    const rows = expected.trim().split('\n');
    expect(rows.length).toBeGreaterThan(20);
    // Some intervals had no trades and were filled (column 9 is the trade count).
    expect(rows.some((r) => r.split(',')[8] === '0')).toBe(true);
  });

  it('leaves empty intervals out with fill off, and honours the interval', async () => {
    const trades = sparseTrades(300);

    const unfilled = await compute(
      trades.map((t) => tradeFrame(t)),
      { fill: false },
    );
    const fiveMinutes = await compute(
      trades.map((t) => tradeFrame(t)),
      { interval: '5m' },
    );

    expect(unfilled.stdout).toBe(expectedRows(trades, '1m', false));
    expect(unfilled.stdout.split('\n').some((r) => r.split(',')[8] === '0')).toBe(false);
    expect(fiveMinutes.stdout).toBe(expectedRows(trades, '5m'));
  });

  it('reads recorded frames', async () => {
    const trades = sparseTrades(200);
    const lines = trades.map((t) => formatRecordedLine(t.time + 3, tradeFrame(t)));

    const result = await compute(lines);

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('reads spot trades CSV rows with the symbol given', async () => {
    const trades = sparseTrades(250);

    const result = await compute(trades.map(spotCsvRow), { symbol: 'btcusdt' });

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('reads a futures trades CSV with its header', async () => {
    const trades = sparseTrades(100);
    const lines = [
      'id,price,qty,quote_qty,time,is_buyer_maker',
      ...trades.map((t) => `${t.id},${t.price},${t.qty},0,${t.time},${t.buyerIsMaker}`),
    ];

    const result = await compute(lines, { symbol: 'BTCUSDT' });

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('refuses CSV input without a symbol', async () => {
    const trades = sparseTrades(20);

    const result = await compute(trades.map(spotCsvRow));

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('format trades-csv does not carry the symbol');
    expect(result.stderr).toContain('field symbol');
  });

  it('reads a historicalTrades REST response given whole on one line', async () => {
    const trades = sparseTrades(150);
    const body = JSON.stringify(trades.map(historicalTradeJson));

    const result = await compute([body], { symbol: 'BTCUSDT' });

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('reads an aggTrades REST response on one line to the klines of the single trades', async () => {
    // Prepare: a busy market, so that many aggTrades span several trades.
    const trades = [...syntheticTrades(400, { seed: 9, meanGapMs: 300 })];
    const body = aggTradesJson(trades);
    expect(body.length).toBeLessThan(trades.length);

    // Act
    const result = await compute([JSON.stringify(body)], { symbol: 'BTCUSDT' });

    // Assess
    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('reads REST elements one per line with the format given', async () => {
    const trades = sparseTrades(60);

    const result = await compute(
      trades.map((t) => JSON.stringify(historicalTradeJson(t))),
      { symbol: 'BTCUSDT', format: 'rest-trades' },
    );

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('fails on a bad line, naming its number and field, and writes no candles', async () => {
    // Prepare: the third line's price is negative.
    const trades = sparseTrades(50);
    const lines = trades.map((t) => tradeFrame(t));
    lines[2] = lines[2]!.replace(`"p":"${trades[2]!.price}"`, '"p":"-1.5"');

    // Act
    const result = await compute(lines);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('candles compute: line 3: negative: field p = "-1.5"\n');
    expect(result.stderr).toContain('candles compute: 1 bad record\n');
    expect(result.stderr).toContain('--skip-bad');
  });

  it('counts blank lines in the line numbers it reports', async () => {
    const trades = sparseTrades(10);
    const lines = ['', ...trades.map((t) => tradeFrame(t))];
    lines[4] = '{"e":"trade","s":"BTCUSDT"';

    const result = await compute(lines);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 5: not valid JSON .*: field frame = /);
  });

  it('with skipBad, leaves bad records out, reports them and writes the good candles', async () => {
    const trades = sparseTrades(200);
    const lines = trades.map((t) => tradeFrame(t));
    lines.splice(6, 0, '{"e":"trade","s":"BTCUSDT"', 'not a frame at all');

    const result = await compute(lines, { skipBad: true });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expectedRows(trades));
    expect(result.stderr).toMatch(/^candles compute: line 7: .*field frame/m);
    expect(result.stderr).toMatch(/^candles compute: line 8: .*field frame/m);
    expect(result.stderr).toContain('candles compute: 2 bad records\n');
    expect(result.stderr).not.toContain('no candles written');
  });

  it('refuses several symbols without a symbol, naming both', async () => {
    const btc = sparseTrades(40);
    const eth = sparseTrades(40, 'ETHUSDT', 1_000);
    const lines = [...btc, ...eth].sort((a, b) => a.time - b.time).map((t) => tradeFrame(t));

    const result = await compute(lines);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'candles compute: the input holds several symbols (BTCUSDT, ETHUSDT); choose one with --symbol\n',
    );
  });

  it('keeps only the chosen symbol of frame input', async () => {
    const btc = sparseTrades(40);
    const eth = sparseTrades(40, 'ETHUSDT', 1_000);
    const lines = [...btc, ...eth].sort((a, b) => a.time - b.time).map((t) => tradeFrame(t));

    const result = await compute(lines, { symbol: 'ethusdt' });

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(eth), stderr: '' });
  });

  it('warns about trade ids missing from the input, with the missing range', async () => {
    const trades = sparseTrades(100);
    const kept = trades.filter((_, i) => i < 10 || i > 14);
    const firstMissing = trades[10]!.id;

    const result = await compute(kept.map((t) => tradeFrame(t)));

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expectedRows(kept));
    expect(result.stderr).toBe(
      `candles compute: warning: 5 trade ids missing from the input: ${firstMissing}-${firstMissing + 4}\n`,
    );
  });

  it('ignores repeated trades and says how many', async () => {
    const trades = sparseTrades(30);
    const lines = trades.map((t) => tradeFrame(t));

    const result = await compute([...lines, ...lines.slice(0, 4)]);

    expect(result).toStrictEqual({
      code: 0,
      stdout: expectedRows(trades),
      stderr: 'candles compute: 4 duplicate trades ignored\n',
    });
  });

  it('fails when the first line has no recognisable format', async () => {
    const trades = sparseTrades(5);

    const result = await compute(['', '  ', 'hello world', ...trades.map((t) => tradeFrame(t))]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'candles compute: line 3: cannot tell the input format from "hello world"; pass --format\n',
    );
  });

  it('writes nothing for empty input', async () => {
    const result = await compute([]);

    expect(result).toStrictEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reads REST elements printed one per line (jq -c ".[]")', async () => {
    const trades = sparseTrades(20);

    const result = await compute(
      trades.map((t) => JSON.stringify(historicalTradeJson(t))),
      { symbol: 'BTCUSDT' },
    );

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('reads a pretty-printed aggTrades response as aggTrades', async () => {
    const trades = [...syntheticTrades(50, { seed: 9, meanGapMs: 300 })];
    const pretty = JSON.stringify(aggTradesJson(trades), null, 2).split('\n');

    const result = await compute(pretty, { symbol: 'BTCUSDT' });

    expect(result).toStrictEqual({ code: 0, stdout: expectedRows(trades), stderr: '' });
  });

  it('numbers REST elements printed one per line by their input line, blank lines included', async () => {
    const trades = sparseTrades(3);
    const lines = trades.map((t) => JSON.stringify(historicalTradeJson(t)));
    lines[2] = lines[2]!.replace(`"price":"${trades[2]!.price}"`, '"price":"-1"');
    lines.splice(1, 0, ''); // the bad element is now on line 4

    const result = await compute(lines, { symbol: 'BTCUSDT', format: 'rest-trades' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('candles compute: line 4: negative: field price = "-1"\n');
  });
});

interface Spawned {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in a child process from the repository root, stdin empty. */
function cli(args: readonly string[]): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/candles.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

describe('candles (child process)', () => {
  it('exits 2 on a bad flag or interval with a usage message and no stack trace, 0 on --help', async () => {
    // Act: the three runs are independent, so they run side by side.
    const [badInterval, unknownFlag, help] = await Promise.all([
      cli(['compute', '--interval', '2m']),
      cli(['compute', '--interval', '1m', '--bogus']),
      cli(['--help']),
    ]);

    // Assess
    expect(badInterval.status).toBe(2);
    expect(badInterval.stdout).toBe('');
    expect(badInterval.stderr).toMatch(/^candles: unknown kline interval "2m"; valid intervals: 1s, 1m,/);
    expect(badInterval.stderr).toContain('usage: candles compute');
    expect(badInterval.stderr).not.toMatch(/^\s+at /m);

    expect(unknownFlag.status).toBe(2);
    expect(unknownFlag.stdout).toBe('');
    expect(unknownFlag.stderr).toMatch(/^candles: Unknown option '--bogus'/);
    expect(unknownFlag.stderr).not.toMatch(/^\s+at /m);

    expect(help.status).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^usage: candles compute --interval/);
    expect(help.stdout).toContain('--skip-bad');
  });
});
