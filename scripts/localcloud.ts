/**
 * `localcloud`: runs every local stand-in until SIGINT or SIGTERM.
 *
 *   npm run --silent localcloud -- --print-env      `export NAME=value` lines, then `ready`
 *   npm run --silent localcloud                     a readable table
 */
import { parseArgs } from 'node:util';
import { FaultError, type FaultSettings, isServiceName, type ServiceName } from '../localcloud/faults.js';
import { availableServices, type LocalCloud, startLocalCloud } from '../localcloud/launcher.js';

const USAGE = `usage: localcloud [--print-env] [--data-dir DIR] [--host HOST] [--services LIST]
                  [--port SERVICE=PORT]... [--control-port PORT]
                  [--latency SERVICE=MS]... [--failure-rate SERVICE=RATE]... [--failure-kind SERVICE=KIND]...
                  [--duplicate-rate SERVICE=RATE]... [--down SERVICE]...

Starts local stand-ins for the cloud services on loopback and runs until SIGINT or SIGTERM.
  --print-env       print "export NAME=value" for every client variable, then "ready"
  --data-dir        keep state there across restarts (SQS, DynamoDB, S3, Cloud Storage); default in memory
  --host            address to listen on (default 127.0.0.1)
  --services        comma-separated subset of: ${availableServices().join(', ')}
  --port            fixed port for a service, e.g. --port sqs=9324 (default: a free port)
  --control-port    port of the control endpoint (default: a free port)
  --latency, --failure-rate, --failure-kind (throttle|server|mixed), --duplicate-rate, --down
                    faults to start with; change them later through the control endpoint`;

class UsageError extends Error {}

interface Cli {
  printEnv: boolean;
  options: Parameters<typeof startLocalCloud>[0];
  faults: [ServiceName, Partial<FaultSettings>][];
}

function parse(argv: string[]): Cli {
  const many = { type: 'string' as const, multiple: true as const, default: [] as string[] };
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'print-env': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      services: { type: 'string' },
      port: many,
      'control-port': { type: 'string', default: '0' },
      latency: many,
      'failure-rate': many,
      'failure-kind': many,
      'duplicate-rate': many,
      down: many,
    },
  });
  if (values.help) throw new UsageError('');
  const services = values.services === undefined ? undefined : values.services.split(',').map(serviceName);
  const ports = Object.fromEntries(values.port.map((p) => pair(p, '--port', integer)));
  const faults: [ServiceName, Partial<FaultSettings>][] = [
    ...values.latency.map((v) => withSetting(pair(v, '--latency', integer), 'latencyMs')),
    ...values['failure-rate'].map((v) => withSetting(pair(v, '--failure-rate', Number), 'failureRate')),
    ...values['failure-kind'].map((v) => withSetting(pair(v, '--failure-kind', String), 'failureKind')),
    ...values['duplicate-rate'].map((v) => withSetting(pair(v, '--duplicate-rate', Number), 'duplicateRate')),
    ...values.down.map((s): [ServiceName, Partial<FaultSettings>] => [serviceName(s), { down: true }]),
  ];
  return {
    printEnv: values['print-env'],
    options: {
      host: values.host,
      dataDir: values['data-dir'],
      services,
      ports,
      controlPort: integer(values['control-port'], '--control-port'),
    },
    faults,
  };
}

function serviceName(text: string): ServiceName {
  if (!isServiceName(text))
    throw new UsageError(
      `unknown service ${JSON.stringify(text)}; services are ${availableServices().join(', ')}`,
    );
  return text;
}

function pair<T>(text: string, flag: string, convert: (v: string, flag: string) => T): [ServiceName, T] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new UsageError(`${flag} takes SERVICE=VALUE, got ${JSON.stringify(text)}`);
  return [serviceName(text.slice(0, eq)), convert(text.slice(eq + 1), flag)];
}

function integer(text: string, flag: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} takes a whole number, got ${JSON.stringify(text)}`);
  return n;
}

function withSetting<T>(
  [service, value]: [ServiceName, T],
  key: keyof FaultSettings,
): [ServiceName, Partial<FaultSettings>] {
  return [service, { [key]: value }];
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function printTable(cloud: LocalCloud): void {
  console.log('localcloud is running');
  for (const [service, url] of Object.entries(cloud.endpoints)) console.log(`  ${service.padEnd(10)} ${url}`);
  if (cloud.controlUrl !== undefined) console.log(`  ${'control'.padEnd(10)} ${cloud.controlUrl}`);
  console.log('\nclient variables:');
  for (const [name, value] of Object.entries(cloud.env)) console.log(`  ${name}=${value}`);
  console.log('\nPress Ctrl+C to stop.');
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parse(process.argv.slice(2));
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(message === '' ? `${USAGE}\n` : `localcloud: ${message}\n${USAGE}\n`);
    return message === '' ? 0 : 2;
  }
  const cloud = await startLocalCloud(cli.options);
  try {
    for (const [service, patch] of cli.faults) cloud.faults.set(service, patch);
  } catch (err) {
    await cloud.stop();
    if (err instanceof FaultError) {
      process.stderr.write(`localcloud: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (cli.printEnv) {
    for (const [name, value] of Object.entries(cloud.env)) console.log(`export ${name}=${shellQuote(value)}`);
    console.log('ready');
  } else {
    printTable(cloud);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cloud.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`localcloud: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
