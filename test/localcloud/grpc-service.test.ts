/**
 * The gRPC shell on its own, with a small JSON-encoded service of every call kind: handlers are
 * reached, errors become statuses, and the fault layer counts, delays, fails and takes it down.
 */
import {
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  credentials,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import {
  bidi,
  clientStream,
  GrpcServiceError,
  GrpcStatusError,
  type RunningGrpcService,
  serverStream,
  startGrpcService,
  unary,
} from '../../localcloud/grpc-service.js';
import { googleCommonProtosDir, loadProto, packageDir, serviceDefinition } from '../../localcloud/protos.js';

interface Msg {
  text: string;
}

function method(name: string, requestStream: boolean, responseStream: boolean) {
  const serialize = (value: Msg) => Buffer.from(JSON.stringify(value));
  const deserialize = (bytes: Buffer): Msg => JSON.parse(bytes.toString()) as Msg;
  return {
    path: `/test.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

const ECHO: ServiceDefinition = {
  Say: method('Say', false, false),
  Fail: method('Fail', false, false),
  Crash: method('Crash', false, false),
  Missing: method('Missing', false, false),
  Repeat: method('Repeat', false, true),
  Join: method('Join', true, false),
  Chat: method('Chat', true, true),
};

const handlers = {
  Say: unary((request: Msg) => ({ text: `said ${request.text}` })),
  Fail: unary(async () => {
    throw new GrpcStatusError(status.FAILED_PRECONDITION, 'not now');
  }),
  Crash: unary(() => {
    throw new Error('boom');
  }),
  Repeat: serverStream<Msg, Msg>((call) => {
    for (let i = 0; i < 3; i++) call.write({ text: `${call.request.text}${i}` });
    call.end();
  }),
  Join: clientStream<Msg, Msg>(async (call) => {
    const parts: string[] = [];
    for await (const m of call) parts.push((m as Msg).text);
    return { text: parts.join('+') };
  }),
  Chat: bidi<Msg, Msg>((call) => {
    call.on('data', (m: Msg) => call.write({ text: m.text.toUpperCase() }));
    call.on('end', () => call.end());
  }),
};

type EchoClient = Client & Record<string, (...args: unknown[]) => unknown>;

let running: RunningGrpcService | undefined;
let client: EchoClient | undefined;
afterEach(async () => {
  client?.close();
  await running?.close();
  client = undefined;
  running = undefined;
});

async function start(faults = new FaultController()) {
  running = await startGrpcService(
    { service: 'pubsub', title: 'Echo', services: [{ definition: ECHO, handlers }] },
    faults,
    {
      port: 0,
    },
  );
  const Ctor = makeGenericClientConstructor(ECHO, 'Echo');
  client = new Ctor(running.url, credentials.createInsecure()) as unknown as EchoClient;
  return { faults, running, client };
}

function call(c: EchoClient, name: string, text: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    c[name]!({ text }, (err: ServiceError | null, value: Msg) => (err ? reject(err) : resolve(value)));
  });
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('gRPC shell', () => {
  it('serves unary, server-streaming, client-streaming and bidi handlers', async () => {
    const { client: c } = await start();

    const said = await call(c, 'Say', 'hi');
    const repeated: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = c.Repeat!({ text: 'r' }) as ClientReadableStream<Msg>;
      stream.on('data', (m: Msg) => repeated.push(m.text));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const joined = await new Promise<Msg>((resolve, reject) => {
      const stream = c.Join!((err: ServiceError | null, v: Msg) =>
        err ? reject(err) : resolve(v),
      ) as ClientWritableStream<Msg>;
      stream.write({ text: 'a' });
      stream.write({ text: 'b' });
      stream.end();
    });
    const chat: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = c.Chat!() as ClientDuplexStream<Msg, Msg>;
      stream.on('data', (m: Msg) => chat.push(m.text));
      stream.on('end', resolve);
      stream.on('error', reject);
      stream.write({ text: 'x' });
      stream.write({ text: 'y' });
      stream.end();
    });

    expect(said.text).toBe('said hi');
    expect(repeated).toEqual(['r0', 'r1', 'r2']);
    expect(joined.text).toBe('a+b');
    expect(chat).toEqual(['X', 'Y']);
  });

  it('turns thrown errors into statuses, and names unimplemented methods', async () => {
    const { client: c } = await start();

    const failed = await failure(call(c, 'Fail', ''));
    const crashed = await failure(call(c, 'Crash', ''));
    const missing = await failure(call(c, 'Missing', ''));

    expect(failed.code).toBe(status.FAILED_PRECONDITION);
    expect(failed.details).toBe('not now');
    expect(crashed.code).toBe(status.INTERNAL);
    expect(crashed.details).toContain('boom');
    expect(missing.code).toBe(status.UNIMPLEMENTED);
    expect(missing.details).toBe('Missing is not implemented by the local Echo stand-in');
  });

  it('counts calls by method name and injects the retried failure codes', async () => {
    const { client: c, faults } = await start();
    await call(c, 'Say', 'a');

    faults.set('pubsub', { failureRate: 1, failureKind: 'throttle' });
    const throttled = await failure(call(c, 'Say', 'b'));
    faults.set('pubsub', { failureKind: 'server' });
    const unavailable = await new Promise<ServiceError>((resolve) => {
      const stream = c.Chat!() as ClientDuplexStream<Msg, Msg>;
      stream.on('error', resolve);
      stream.on('data', () => {});
    });

    expect(throttled.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(unavailable.code).toBe(status.UNAVAILABLE);
    expect(faults.counts().pubsub).toEqual({ Say: 2, Chat: 1 });
  });

  it('adds latency before the handler runs', async () => {
    const { client: c, faults } = await start();
    faults.set('pubsub', { latencyMs: 150 });

    const started = Date.now();
    await call(c, 'Say', 'slow');

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses calls while down and serves on the same port once up', async () => {
    const { client: c, faults, running: r } = await start();
    await call(c, 'Say', 'before');

    faults.set('pubsub', { down: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await failure(call(c, 'Say', 'during'));
    faults.set('pubsub', { down: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const Ctor = makeGenericClientConstructor(ECHO, 'Echo');
    // A channel of its own: the shared one is backing off after the refused connection.
    const fresh = new Ctor(r.url, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as EchoClient;
    const after = await call(fresh, 'Say', 'after');
    fresh.close();

    expect(refused.code).toBe(status.UNAVAILABLE);
    expect(after.text).toBe('said after');
  });

  it('refuses at start a handler of the wrong kind or for a method the service lacks', async () => {
    const faults = new FaultController();
    const wrongKind = startGrpcService(
      {
        service: 'pubsub',
        title: 'Echo',
        services: [{ definition: ECHO, handlers: { Chat: unary(() => ({})) } }],
      },
      faults,
    );
    const unknown = startGrpcService(
      {
        service: 'pubsub',
        title: 'Echo',
        services: [{ definition: ECHO, handlers: { Nope: unary(() => ({})) } }],
      },
      faults,
    );

    await expect(wrongKind).rejects.toBeInstanceOf(GrpcServiceError);
    await expect(wrongKind).rejects.toMatchObject({ code: 'HANDLER_KIND_MISMATCH' });
    await expect(unknown).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
  });
});

describe('proto loading', () => {
  it('loads a service from the protos an installed client ships, with camelCase fields', () => {
    const dirs = [`${packageDir('@google-cloud/pubsub')}/build/protos`, googleCommonProtosDir()];
    const subscriber = serviceDefinition(
      loadProto('google/pubsub/v1/pubsub.proto', dirs),
      'google.pubsub.v1.Subscriber',
    );
    const pull = subscriber.StreamingPull!;

    const decoded = pull.requestDeserialize(
      pull.requestSerialize({ ackIds: ['a'], streamAckDeadlineSeconds: 10 }),
    );

    expect(pull.requestStream && pull.responseStream).toBe(true);
    expect(decoded).toMatchObject({ ackIds: ['a'], streamAckDeadlineSeconds: 10, subscription: '' });
  });

  it('names what is missing with a coded error', () => {
    expect(() => packageDir('no-such-package-here')).toThrow(
      expect.objectContaining({ code: 'PACKAGE_NOT_FOUND' }),
    );
    expect(() => loadProto('google/nothing.proto', [googleCommonProtosDir()])).toThrow(
      expect.objectContaining({ code: 'PROTO_NOT_LOADED' }),
    );
  });
});
