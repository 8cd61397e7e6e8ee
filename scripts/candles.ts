/**
 * The `candles` command.
 *
 *   candles compute --interval 1m [--format auto|frame|recorded|trades-csv|aggtrades-csv|rest-trades|rest-aggtrades]
 *                   [--symbol BTCUSDT] [--skip-bad] [--no-fill]
 */
import { parseArgs } from 'node:util';
import { CoreError } from '../core/errors.js';
import { parseInterval } from '../core/interval.js';
import { SOURCE_FORMATS, type SourceFormat } from '../core/parse/source.js';
import { runCompute } from './candles/compute.js';

const USAGE = `usage: candles compute --interval <1s|1m|…|1M> [--format auto|${SOURCE_FORMATS.join('|')}]
                       [--symbol SYMBOL] [--skip-bad] [--no-fill]

Reads trades from stdin and writes Binance klines (12-column CSV, no header) to stdout.
  --interval   kline interval (required)
  --format     input format (default auto: detected from the first line)
  --symbol     the symbol, required for CSV and REST input; filters frame input
  --skip-bad   leave bad records out (reported on stderr) instead of failing
  --no-fill    do not write rows for intervals without trades`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'compute')
    return usageError(
      command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`,
    );
  let values: ReturnType<typeof parseComputeArgs>;
  try {
    values = parseComputeArgs(rest);
  } catch (err) {
    return usageError((err as Error).message);
  }
  return runCompute(values, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}

function parseComputeArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      interval: { type: 'string' },
      format: { type: 'string', default: 'auto' },
      symbol: { type: 'string' },
      'skip-bad': { type: 'boolean', default: false },
      'no-fill': { type: 'boolean', default: false },
    },
  });
  if (values.interval === undefined) throw new Error('--interval is required');
  const interval = parseInterval(values.interval);
  const format = values.format;
  if (format !== 'auto' && !(SOURCE_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`--format ${JSON.stringify(format)} is not one of auto, ${SOURCE_FORMATS.join(', ')}`);
  }
  return {
    interval,
    format: format as SourceFormat | 'auto',
    symbol: values.symbol,
    skipBad: values['skip-bad'],
    fill: !values['no-fill'],
  };
}

function usageError(message: string): number {
  process.stderr.write(`candles: ${message}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof CoreError ? err.message : String(err);
    process.stderr.write(`candles: internal error: ${message}\n`);
    process.exitCode = 70;
  },
);
