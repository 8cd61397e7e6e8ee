import { afterEach, describe, expect, it } from 'vitest';
import { type ControlServer, startControlServer } from '../../localcloud/control.js';
import { FaultController } from '../../localcloud/faults.js';

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(faults = new FaultController()) {
  server = await startControlServer(faults, () => ({ AWS_REGION: 'us-east-1' }), { port: 0 });
  return { faults, url: server.url };
}

async function json(url: string, init?: RequestInit): Promise<[number, unknown]> {
  const res = await fetch(url, init);
  return [res.status, await res.json()];
}

describe('control endpoint', () => {
  it('changes a service fault and reads it back', async () => {
    const { faults, url } = await start();

    const [status, body] = await json(`${url}/faults/sqs`, {
      method: 'PATCH',
      body: JSON.stringify({ latencyMs: 120, down: true }),
    });
    const [, all] = await json(`${url}/faults`);

    expect(status).toBe(200);
    expect(body).toMatchObject({ latencyMs: 120, down: true });
    expect(faults.get('sqs')).toMatchObject({ latencyMs: 120, down: true });
    expect((all as Record<string, { down: boolean }>).sqs?.down).toBe(true);
    expect((all as Record<string, { down: boolean }>).s3?.down).toBe(false);
  });

  it('rejects bad settings, unknown settings and unknown services with a message', async () => {
    const { url } = await start();

    const bad = await json(`${url}/faults/sqs`, { method: 'PATCH', body: '{"failureRate":2}' });
    const unknownSetting = await json(`${url}/faults/sqs`, { method: 'PATCH', body: '{"speed":2}' });
    const unknownService = await json(`${url}/faults/kinesis`, { method: 'PATCH', body: '{}' });
    const notJson = await json(`${url}/faults/sqs`, { method: 'PATCH', body: 'down' });

    expect(bad).toEqual([400, { error: 'failureRate must be a number from 0 to 1, got 2' }]);
    expect(unknownSetting[0]).toBe(400);
    expect((unknownSetting[1] as { error: string }).error).toContain('unknown setting speed');
    expect(unknownService[0]).toBe(404);
    expect((unknownService[1] as { error: string }).error).toContain('unknown service kinesis');
    expect(notJson).toEqual([400, { error: 'the body must be a JSON object of fault settings' }]);
  });

  it('reads and resets counts, resets faults, and serves env and health', async () => {
    const { faults, url } = await start();
    faults.record('s3', 'PutObject');
    faults.set('s3', { failureRate: 0.5 });

    expect(await json(`${url}/counts`)).toEqual([200, { s3: { PutObject: 1 } }]);
    await fetch(`${url}/counts`, { method: 'DELETE' });
    await fetch(`${url}/faults/reset`, { method: 'POST' });

    expect(await json(`${url}/counts`)).toEqual([200, {}]);
    expect(faults.get('s3').failureRate).toBe(0);
    expect(await json(`${url}/env`)).toEqual([200, { AWS_REGION: 'us-east-1' }]);
    expect(await json(`${url}/health`)).toEqual([200, { ok: true }]);
    expect((await json(`${url}/nope`))[0]).toBe(404);
  });
});
