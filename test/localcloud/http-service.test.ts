import { afterEach, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningHttpService, startHttpService } from '../../localcloud/http-service.js';

const running: RunningHttpService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function echoService(faults: FaultController): Promise<RunningHttpService> {
  const service = await startHttpService(
    {
      service: 'sqs',
      operationOf: (req) => req.headers['x-op']?.toString() ?? 'Unknown',
      handle: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('served');
      },
      fail: (kind, _req, res) => {
        res.writeHead(kind === 'throttle' ? 400 : 500);
        res.end(kind);
      },
    },
    faults,
    { port: 0 },
  );
  running.push(service);
  return service;
}

async function call(url: string, op = 'Op'): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { 'x-op': op, connection: 'close' } });
  return { status: res.status, text: await res.text() };
}

describe('startHttpService', () => {
  it('serves requests and counts them by operation', async () => {
    const faults = new FaultController();
    const svc = await echoService(faults);

    const a = await call(svc.url, 'A');
    await call(svc.url, 'A');
    await call(svc.url, 'B');

    expect(a).toEqual({ status: 200, text: 'served' });
    expect(faults.counts()).toEqual({ sqs: { A: 2, B: 1 } });
    expect(svc.url).toBe(`http://127.0.0.1:${svc.port}`);
  });

  it('answers injected failures with the service error of that kind', async () => {
    const faults = new FaultController();
    const svc = await echoService(faults);
    faults.set('sqs', { failureRate: 1, failureKind: 'throttle' });

    expect(await call(svc.url)).toEqual({ status: 400, text: 'throttle' });
    faults.set('sqs', { failureKind: 'server' });
    expect(await call(svc.url)).toEqual({ status: 500, text: 'server' });
  });

  it('adds the configured latency', async () => {
    const faults = new FaultController();
    const svc = await echoService(faults);
    faults.set('sqs', { latencyMs: 300 });

    const started = performance.now();
    await call(svc.url);

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses connections while down and serves again on the same port when back up', async () => {
    const faults = new FaultController();
    const svc = await echoService(faults);

    faults.set('sqs', { down: true });
    const refused = await call(svc.url).then(
      () => 'served',
      (err: Error) => String((err.cause as { code?: string })?.code),
    );
    faults.set('sqs', { down: false });
    await new Promise((r) => setTimeout(r, 50));
    const back = await call(svc.url);

    expect(refused).toBe('ECONNREFUSED');
    expect(back.status).toBe(200);
  });

  it('turns a handler error into a 500 naming the service', async () => {
    const faults = new FaultController();
    const svc = await startHttpService(
      {
        service: 's3',
        operationOf: () => 'Op',
        handle: () => {
          throw new Error('disk on fire');
        },
        fail: () => {},
      },
      faults,
    );
    running.push(svc);

    expect(await call(svc.url)).toEqual({
      status: 500,
      text: 'internal error in the s3 stand-in: disk on fire',
    });
  });
});
