/**
 * Core throughput: parse realistic combined-stream @trade frames and aggregate them into 1m candles,
 * against the baseline of JSON.parse alone on the same frames, measured in the same run.
 *
 *   npm run --silent bench:core [-- --frames 1000000 --rounds 7]
 *
 * Rounds alternate baseline and subject; the best round of each is reported (the least disturbed by
 * other load on a shared machine). The last line is JSON: {"tradesPerSec": N, "vsJsonParse": R}.
 */
import { parseArgs } from 'node:util';
import { CandleAggregator } from '../core/aggregate.js';
import { parseFrame } from '../core/parse/frame.js';
import { syntheticTrades, tradeFrame } from '../core/synthetic.js';

const { values } = parseArgs({
  options: { frames: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '7' } },
});
const frameCount = Number(values.frames);
const rounds = Number(values.rounds);

const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const frames: string[] = [];
const perSymbol = Math.ceil(frameCount / symbols.length);
const streams = symbols.map((symbol, i) =>
  syntheticTrades(perSymbol, { symbol, seed: i + 1, startPriceCents: [6_183_763, 258_412, 15_734][i] }),
);
// Interleave the symbols as a combined stream would.
while (frames.length < frameCount) {
  for (const s of streams) {
    const next = s.next();
    // Through a Buffer, as frames arrive from the socket: flat strings, not concatenation ropes.
    if (!next.done && frames.length < frameCount) frames.push(Buffer.from(tradeFrame(next.value)).toString());
  }
}

let sink = 0;

function baseline(): number {
  const start = process.hrtime.bigint();
  for (const f of frames) sink += (JSON.parse(f) as { data: { t: number } }).data.t;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function subject(): number {
  const start = process.hrtime.bigint();
  const agg = new CandleAggregator('1m');
  for (const f of frames) {
    const event = parseFrame(f);
    if (event.kind === 'trade') agg.add(event.trade);
  }
  sink += agg.candles().length;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

let bestBase = Number.POSITIVE_INFINITY;
let bestOurs = Number.POSITIVE_INFINITY;
console.log(`frames: ${frameCount} (${symbols.join(', ')}), rounds: ${rounds}, node ${process.version}`);
for (let r = 1; r <= rounds; r++) {
  const b = baseline();
  const o = subject();
  bestBase = Math.min(bestBase, b);
  bestOurs = Math.min(bestOurs, o);
  console.log(
    `round ${r}: JSON.parse alone ${(frameCount / b / 1e6).toFixed(2)} M frames/s | parse + exact 1m candles ${(frameCount / o / 1e6).toFixed(2)} M trades/s | ratio ${(o / b).toFixed(2)}`,
  );
}
const tradesPerSec = Math.round(frameCount / bestOurs);
const ratio = Number((bestOurs / bestBase).toFixed(3));
console.log(
  `best: baseline JSON.parse ${(frameCount / bestBase / 1e6).toFixed(2)} M frames/s, ours ${(tradesPerSec / 1e6).toFixed(2)} M trades/s, ours/baseline time ${ratio} (target <= 1.5, >= 1.0 M trades/s)`,
);
if (sink === 42) console.log(''); // keeps the work observable
console.log(JSON.stringify({ tradesPerSec, vsJsonParse: ratio }));
