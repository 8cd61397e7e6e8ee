/**
 * The gRPC shell every gRPC stand-in runs in, the counterpart of http-service.ts: it serves the
 * service definitions on loopback without TLS (as the Google clients expect of an emulator), counts
 * each call by method name, applies the fault layer (latency, injected errors, down), and hands
 * the rest to the stand-in's handlers. A method without a handler answers UNIMPLEMENTED naming it.
 *
 * Injected failures use the codes the Google clients retry: RESOURCE_EXHAUSTED for throttling and
 * UNAVAILABLE for server errors. "Down" force-shuts the server, cutting every open call and
 * connection; "up" binds a fresh server on the same port.
 */
import {
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerOptions,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type StatusObject,
  type sendUnaryData,
  status,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { FailureKind, FaultController, FaultSettings, ServiceName } from './faults.js';
import type { ListenOptions } from './http-service.js';

/** An error a handler throws to end a call with a gRPC status. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcStatusError';
  }
}

/** A mistake in how a stand-in set up its services, found when the server starts. */
export class GrpcServiceError extends Error {
  constructor(
    readonly code: 'HANDLER_KIND_MISMATCH' | 'UNKNOWN_METHOD',
    message: string,
  ) {
    super(message);
    this.name = 'GrpcServiceError';
  }
}

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per method by the helpers below.
type Any = any;
export type CallKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

export type MethodHandler =
  | { readonly kind: 'unary'; readonly fn: (request: Any, call: ServerUnaryCall<Any, Any>) => unknown }
  | { readonly kind: 'serverStream'; readonly fn: (call: ServerWritableStream<Any, Any>) => unknown }
  | { readonly kind: 'clientStream'; readonly fn: (call: ServerReadableStream<Any, Any>) => unknown }
  | { readonly kind: 'bidi'; readonly fn: (call: ServerDuplexStream<Any, Any>) => unknown };

/** A request → response method; the result may be a promise. Thrown errors end the call. */
export function unary<Req, Res>(
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
): MethodHandler {
  return { kind: 'unary', fn };
}

export function serverStream<Req, Res>(fn: (call: ServerWritableStream<Req, Res>) => unknown): MethodHandler {
  return { kind: 'serverStream', fn };
}

/** Reads the request stream and resolves with the single response. */
export function clientStream<Req, Res>(
  fn: (call: ServerReadableStream<Req, Res>) => Res | Promise<Res>,
): MethodHandler {
  return { kind: 'clientStream', fn };
}

export function bidi<Req, Res>(fn: (call: ServerDuplexStream<Req, Res>) => unknown): MethodHandler {
  return { kind: 'bidi', fn };
}

export interface GrpcServiceSpec {
  readonly service: ServiceName;
  /** How messages name the service, e.g. "Pub/Sub". */
  readonly title: string;
  readonly services: readonly {
    readonly definition: ServiceDefinition;
    /** By method name as the proto spells it, e.g. `Publish`. */
    readonly handlers: Readonly<Record<string, MethodHandler>>;
  }[];
  /** The error an injected failure gets; RESOURCE_EXHAUSTED / UNAVAILABLE when absent. */
  readonly fail?: (kind: FailureKind, method: string) => GrpcStatusError;
  readonly serverOptions?: ServerOptions;
}

export interface RunningGrpcService {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the form PUBSUB_EMULATOR_HOST and its kin take. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startGrpcService(
  spec: GrpcServiceSpec,
  faults: FaultController,
  options: ListenOptions = {},
): Promise<RunningGrpcService> {
  const host = options.host ?? '127.0.0.1';
  const implementations = spec.services.map((s) => ({
    definition: s.definition,
    implementation: implement(spec, faults, s.definition, s.handlers),
  }));
  const create = () => {
    const server = new Server(spec.serverOptions);
    for (const s of implementations) server.addService(s.definition, s.implementation);
    return server;
  };
  const first = create();
  const port = await bind(first, host, options.port ?? 0);
  const power = new PowerSwitch(spec.service, faults, first, () => {
    const next = create();
    // The port was ours a moment ago; if something else took it, the service stays down.
    bind(next, host, port).catch(() => power.lost(next));
    return next;
  });
  return { host, port, url: `${formatHost(host)}:${port}`, close: async () => power.close() };
}

/** Takes the server down and brings a new one up as the service's `down` setting changes. */
class PowerSwitch {
  private closed = false;
  private readonly onChange = (service: ServiceName, settings: FaultSettings) => {
    if (service !== this.service || this.closed) return;
    if (settings.down && this.server !== undefined) {
      this.server.forceShutdown();
      this.server = undefined;
    } else if (!settings.down && this.server === undefined) {
      this.server = this.restart();
    }
  };

  constructor(
    private readonly service: ServiceName,
    private readonly faults: FaultController,
    private server: Server | undefined,
    private readonly restart: () => Server,
  ) {
    faults.on('change', this.onChange);
    this.onChange(service, faults.get(service));
  }

  /** A restarted server that could not bind. */
  lost(server: Server): void {
    if (this.server === server) this.server = undefined;
  }

  close(): void {
    this.closed = true;
    this.faults.off('change', this.onChange);
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

function implement(
  spec: GrpcServiceSpec,
  faults: FaultController,
  definition: ServiceDefinition,
  handlers: Readonly<Record<string, MethodHandler>>,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const kind = kindOf(method);
    const handler = handlers[name];
    if (handler !== undefined && handler.kind !== kind) {
      throw new GrpcServiceError(
        'HANDLER_KIND_MISMATCH',
        `${spec.title} handler for ${name} is ${handler.kind}, the method is ${kind}`,
      );
    }
    const gate = new Gate(spec, faults, name, handler);
    implementation[name] = gate.grpcHandler(kind);
  }
  for (const name of Object.keys(handlers)) {
    if (!(name in definition)) {
      throw new GrpcServiceError('UNKNOWN_METHOD', `${spec.title} has no method ${name} to handle`);
    }
  }
  return implementation;
}

function kindOf(method: MethodDefinition<unknown, unknown>): CallKind {
  if (method.requestStream) return method.responseStream ? 'bidi' : 'clientStream';
  return method.responseStream ? 'serverStream' : 'unary';
}

/** What stands between the transport and one method's handler: counting, latency and failures. */
class Gate {
  constructor(
    private readonly spec: GrpcServiceSpec,
    private readonly faults: FaultController,
    private readonly method: string,
    private readonly handler: MethodHandler | undefined,
  ) {}

  grpcHandler(kind: CallKind): UntypedHandleCall {
    if (kind === 'unary' || kind === 'clientStream') {
      const answer = (
        call: ServerUnaryCall<Any, Any> | ServerReadableStream<Any, Any>,
        callback: sendUnaryData<Any>,
      ) =>
        this.admit((refusal) => {
          if (refusal !== undefined) return callback(refusal);
          const fn = this.handler!.fn as (...args: unknown[]) => unknown;
          const unaryCall = kind === 'unary' ? (call as ServerUnaryCall<Any, Any>) : undefined;
          settle(() => (unaryCall !== undefined ? fn(unaryCall.request, unaryCall) : fn(call)), callback);
        });
      return answer as UntypedHandleCall;
    }
    const stream = (call: ServerWritableStream<Any, Any> | ServerDuplexStream<Any, Any>) =>
      this.admit((refusal) => {
        if (refusal !== undefined) {
          call.emit('error', refusal);
          return;
        }
        settle(
          () => (this.handler!.fn as (c: unknown) => unknown)(call),
          (err) => {
            if (err !== null) call.emit('error', err);
          },
        );
      });
    return stream as UntypedHandleCall;
  }

  /** Counts the call, waits out any latency, and says whether it is refused and how. */
  private admit(proceed: (refusal: Partial<StatusObject> | undefined) => void): void {
    const { service } = this.spec;
    this.faults.record(service, this.method);
    const decision = this.faults.decide(service);
    const run = () => {
      if (decision.failure !== undefined) proceed(statusOf(this.injected(decision.failure)));
      else if (this.handler === undefined) proceed(statusOf(this.unimplemented()));
      else proceed(undefined);
    };
    if (decision.delayMs > 0) setTimeout(run, decision.delayMs);
    else run();
  }

  private injected(kind: FailureKind): GrpcStatusError {
    if (this.spec.fail !== undefined) return this.spec.fail(kind, this.method);
    return kind === 'throttle'
      ? new GrpcStatusError(
          status.RESOURCE_EXHAUSTED,
          `${this.method}: rate exceeded (fault injected locally)`,
        )
      : new GrpcStatusError(
          status.UNAVAILABLE,
          `${this.method}: the service is unavailable (fault injected locally)`,
        );
  }

  private unimplemented(): GrpcStatusError {
    return new GrpcStatusError(
      status.UNIMPLEMENTED,
      `${this.method} is not implemented by the local ${this.spec.title} stand-in`,
    );
  }
}

/**
 * Runs a handler and reports its outcome once, without a promise when it answers synchronously:
 * the hot methods (publish, acknowledge) are called tens of thousands of times a second.
 */
function settle(
  run: () => unknown,
  done: (err: Partial<StatusObject> | null, value?: unknown) => void,
): void {
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    done(statusOf(err));
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (value) => done(null, value),
      (err: unknown) => done(statusOf(err)),
    );
  } else {
    done(null, result);
  }
}

function statusOf(err: unknown): Partial<StatusObject> {
  if (err instanceof GrpcStatusError) return { code: err.code, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: `internal error in the local stand-in: ${message}` };
}

function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${formatHost(host)}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
      if (err === null) resolve(bound);
      else reject(err);
    });
  });
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
