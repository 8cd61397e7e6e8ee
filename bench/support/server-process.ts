/**
 * Runs a stand-in (or its canned baseline) alone in a child process, so its CPU time can be read
 * apart from the client's. The child prints its port, then answers "cpu" on the IPC channel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The child's CPU time (user + system) so far, in microseconds. */
  cpuMicros(): Promise<number>;
}

export interface Measurement {
  /** Operations per second of wall time, client and server together. */
  readonly endToEnd: number;
  readonly serverMicrosPerOp: number;
  /** Operations per second of the server's own CPU time: what one core running it sustains. */
  readonly perCore: number;
}

export async function startServer(script: string, kind: string): Promise<ServerProcess> {
  const tsx = join(import.meta.dirname, '../../node_modules/.bin/tsx');
  const child = spawn(tsx, [join(import.meta.dirname, script), kind], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const port = Number(first.value);
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve(Number(m)));
      child.send('cpu');
    });
  return { child, port, cpuMicros };
}

/** Starts the server, measures with `drive`, and always stops the child. */
export async function measureServer(
  script: string,
  kind: string,
  drive: (server: ServerProcess) => Promise<Measurement>,
): Promise<Measurement> {
  const server = await startServer(script, kind);
  try {
    return await drive(server);
  } finally {
    server.child.kill();
  }
}

/** Times `work` (which returns the operations it completed) against the server's CPU clock. */
export async function timed(server: ServerProcess, work: () => Promise<number>): Promise<Measurement> {
  const cpu0 = await server.cpuMicros();
  const t0 = performance.now();
  const ops = await work();
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = await server.cpuMicros();
  const serverMicrosPerOp = (cpu1 - cpu0) / ops;
  return { endToEnd: ops / wall, serverMicrosPerOp, perCore: 1e6 / serverMicrosPerOp };
}

/** For the child: answers "cpu" requests from the parent and announces the port. */
export function serveCpuOverIpc(port: number): void {
  process.on('message', (msg) => {
    if (msg === 'cpu') {
      const u = process.cpuUsage();
      process.send?.(u.user + u.system);
    }
  });
  process.stdout.write(`${port}\n`);
}

/**
 * For the child: starts the canned baseline when the parent asked for it ("canned" as the first
 * argument), else the stand-in itself, then announces the port and answers "cpu" requests.
 */
export async function serveChosen(
  canned: () => Promise<number>,
  standIn: () => Promise<{ readonly port: number }>,
): Promise<void> {
  const port = process.argv[2] === 'canned' ? await canned() : (await standIn()).port;
  serveCpuOverIpc(port);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A message body the size of a small trade batch on the wire. */
export const BENCH_BODY = JSON.stringify({
  v: 1,
  market: 'spot',
  symbol: 'BTCUSDT',
  firstId: 3735683259,
  lastId: 3735683260,
  trades: [
    { t: 3735683259, p: '61837.63000000', q: '0.02000000', T: 1723161255342, m: true },
    { t: 3735683260, p: '61837.63000000', q: '0.04800000', T: 1723161255617, m: true },
  ],
});
