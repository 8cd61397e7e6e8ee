/** The forwarding front the AWS stand-ins put before their emulators. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningHttpService, startHttpService } from '../../localcloud/http-service.js';
import { Forwarder, ProxyError, stageBody } from '../../localcloud/proxy.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server on a free loopback port, closed after the test. */
async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** The shell with a forwarder to `port` as its handler, answering an unreachable backend as JSON. */
async function front(port: number): Promise<RunningHttpService> {
  const forwarder = new Forwarder({ host: '127.0.0.1', port }, (res, cause) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ code: cause instanceof ProxyError ? cause.code : 'other', message: cause.message }),
    );
  });
  const running = await startHttpService(
    {
      service: 'dynamodb',
      operationOf: () => 'Relay',
      handle: (req, res) => forwarder.forward(req, res),
      fail: (_kind, _req, res) => res.writeHead(500).end(),
    },
    new FaultController(),
  );
  cleanups.push(async () => {
    forwarder.close();
    await running.close();
  });
  return running;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, options: http.RequestOptions, body?: Buffer | string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    if (Array.isArray(body)) for (const part of body) req.write(part);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A backend that answers with what it received. */
function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const seen = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    res.writeHead(201, { 'content-type': 'application/json', 'x-backend': 'echo' });
    res.end(JSON.stringify(seen));
  });
}

describe('Forwarder', () => {
  it('keeps the original Host header, which SigV4 signs', async () => {
    const running = await front(await serve(echo));
    const reply = await request(running.port, {
      method: 'GET',
      path: '/bucket/key?x-id=GetObject',
      headers: {
        host: 's3.example.test:4566',
        authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER/20240101/us-east-1/s3/aws4_request',
      },
    });
    const seen = JSON.parse(reply.body.toString());
    expect(seen.headers.host).toBe('s3.example.test:4566');
    expect(seen.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=S3RVER/20240101/us-east-1/s3/aws4_request',
    );
    expect(seen.url).toBe('/bucket/key?x-id=GetObject');
  });

  it('streams a chunked request body through and relays status, headers and body back', async () => {
    const running = await front(await serve(echo));
    const reply = await request(running.port, { method: 'PUT', path: '/p' }, ['part one, ', 'part two']);
    expect(reply.status).toBe(201);
    expect(reply.headers['x-backend']).toBe('echo');
    const seen = JSON.parse(reply.body.toString());
    expect(seen.method).toBe('PUT');
    expect(seen.body).toBe('part one, part two');
    expect(seen.headers.expect).toBeUndefined();
  });

  it('answers 502 in the service format when the backend is down', async () => {
    const port = await serve(echo);
    await cleanups.pop()!();
    const running = await front(port);
    const reply = await request(running.port, { method: 'POST', path: '/' }, Buffer.from('{}'));
    expect(reply.status).toBe(502);
    const body = JSON.parse(reply.body.toString());
    expect(body.code).toBe('BACKEND_UNREACHABLE');
    expect(body.message).toMatch(/ECONNREFUSED/);
  });

  it('makes small requests of its own, rejecting with ProxyError when the backend is down', async () => {
    const port = await serve(echo);
    const forwarder = new Forwarder({ host: '127.0.0.1', port }, () => {});
    const reply = await forwarder.call('HEAD', '/b/k', { host: 'front:1' });
    expect(reply.status).toBe(201);
    await cleanups.pop()!();
    await expect(forwarder.call('HEAD', '/b/k')).rejects.toMatchObject({ code: 'BACKEND_UNREACHABLE' });
    forwarder.close();
  });
});

describe('stageBody', () => {
  async function stagingDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'proxy-staging-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('holds a large body in a file, replays it intact and removes it when disposed', async () => {
    const dir = await stagingDir();
    const body = randomBytes(9 * 1024 * 1024);
    const port = await serve(async (req, res) => {
      const staged = await stageBody(req, dir);
      const files = await readdir(dir);
      const hash = createHash('sha256');
      for await (const chunk of staged.open()) hash.update(chunk as Buffer);
      await staged.dispose();
      res.end(JSON.stringify({ size: staged.size, sha: hash.digest('hex'), files: files.length }));
    });
    const reply = JSON.parse((await request(port, { method: 'PUT', path: '/' }, body)).body.toString());
    expect(reply).toEqual({
      size: body.length,
      sha: createHash('sha256').update(body).digest('hex'),
      files: 1,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects with a transform’s error and leaves the connection able to carry the answer', async () => {
    const dir = await stagingDir();
    const refuse = () =>
      new Transform({
        transform(_chunk, _encoding, callback) {
          callback(new Error('refused by the transform'));
        },
      });
    const port = await serve(async (req, res) => {
      try {
        await stageBody(req, dir, [refuse()]);
        res.end('staged');
      } catch (err) {
        req.resume();
        res.writeHead(400).end((err as Error).message);
      }
    });
    const reply = await request(port, { method: 'PUT', path: '/' }, Buffer.alloc(64 * 1024));
    expect(reply.status).toBe(400);
    expect(reply.body.toString()).toBe('refused by the transform');
  });
});
