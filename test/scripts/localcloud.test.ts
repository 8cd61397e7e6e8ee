import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts the command and collects its `export` lines until `ready`. */
async function startPrintEnv(
  args: string[] = [],
): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(TSX, ['scripts/localcloud.ts', '--print-env', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const env: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === 'ready') return { child, env };
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m === null) throw new Error(`unexpected line ${JSON.stringify(line)}`);
    env[m[1]!] = m[2]!;
  }
  throw new Error('the command ended before printing ready');
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('localcloud command', () => {
  it('prints the client variables, then ready, and stops cleanly on SIGTERM', async () => {
    const { child, env } = await startPrintEnv(['--latency', 'sqs=1']);

    const health = await fetch(`${env.LOCALCLOUD_CONTROL_URL}/health`);
    const faults = (await (await fetch(`${env.LOCALCLOUD_CONTROL_URL}/faults`)).json()) as Record<
      string,
      { latencyMs: number }
    >;
    const exit = exitOf(child);
    child.kill('SIGTERM');

    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_SQS',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_S3',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'PUBSUB_EMULATOR_HOST',
        'FIRESTORE_EMULATOR_HOST',
        'STORAGE_EMULATOR_HOST',
        'GOOGLE_CLOUD_PROJECT',
        'LOCALCLOUD_CONTROL_URL',
      ]),
    );
    expect(health.status).toBe(200);
    expect(faults.sqs?.latencyMs).toBe(1);
    expect(await exit).toBe(0);
  }, 30_000);

  it.each([
    [['--port', 'sqs'], '--port takes SERVICE=VALUE'],
    [['--latency', 'kinesis=5'], 'unknown service "kinesis"'],
    [['--failure-rate', 'sqs=3'], 'failureRate must be a number from 0 to 1'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])(
    'rejects %j with exit code 2 and a message naming the problem',
    (args, message) => {
      const result = spawnSync(TSX, ['scripts/localcloud.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
      });

      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
    30_000,
  );
});
