/**
 * Control messages on a market-stream connection (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
 * SET_PROPERTY / GET_PROPERTY "combined") and their answers: `{"result":...,"id":N}`, or
 * `{"error":{"code":N,"msg":...},"id":N}` with Binance's codes (0 unknown property, 1 wrong value
 * type, 2 invalid request, 3 invalid JSON).
 */

/** The part of a connection a control message may read or change. */
export interface Subscriptions {
  readonly streams: Set<string>;
  combined: boolean;
  readonly maxStreams: number;
  /** Why the name is not a stream this server serves, or undefined when it is one. */
  invalidStream(name: string): string | undefined;
}

interface Request {
  readonly method?: unknown;
  readonly params?: unknown;
  readonly id?: unknown;
}

/** The answer to one text message from the client, as the JSON object to send back. */
export function controlReply(text: string, subs: Subscriptions): object {
  let request: Request;
  try {
    request = JSON.parse(text) as Request;
  } catch (err) {
    return failure(3, `Invalid JSON: ${(err as Error).message}`, null);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return failure(2, 'Invalid request: expected an object', null);
  }
  const id = request.id ?? null;
  if (typeof id !== 'number' && typeof id !== 'string' && id !== null) {
    return failure(2, 'Invalid request: request ID must be an unsigned integer or a string', null);
  }
  try {
    return { result: perform(request, subs), id };
  } catch (err) {
    if (err instanceof ControlFailure) return failure(err.code, err.message, id);
    throw err;
  }
}

function perform(request: Request, subs: Subscriptions): unknown {
  switch (request.method) {
    case 'SUBSCRIBE':
      return subscribe(stringParams(request.params), subs);
    case 'UNSUBSCRIBE':
      for (const name of stringParams(request.params)) subs.streams.delete(name);
      return null;
    case 'LIST_SUBSCRIPTIONS':
      return [...subs.streams];
    case 'SET_PROPERTY':
      return setProperty(request.params, subs);
    case 'GET_PROPERTY':
      if (!Array.isArray(request.params) || request.params[0] !== 'combined') {
        throw new ControlFailure(0, 'Unknown property');
      }
      return subs.combined;
    default:
      throw new ControlFailure(2, `Invalid request: unknown method ${JSON.stringify(request.method)}`);
  }
}

function subscribe(names: string[], subs: Subscriptions): null {
  for (const name of names) {
    if (subs.invalidStream(name) !== undefined)
      throw new ControlFailure(2, 'Invalid request: invalid stream');
  }
  const after = new Set([...subs.streams, ...names]);
  if (after.size > subs.maxStreams) {
    throw new ControlFailure(2, `Invalid request: more than ${subs.maxStreams} streams on one connection`);
  }
  for (const name of names) subs.streams.add(name);
  return null;
}

function setProperty(params: unknown, subs: Subscriptions): null {
  if (!Array.isArray(params) || params[0] !== 'combined') throw new ControlFailure(0, 'Unknown property');
  if (typeof params[1] !== 'boolean') throw new ControlFailure(1, 'Invalid value type: expected Boolean');
  subs.combined = params[1];
  return null;
}

function stringParams(params: unknown): string[] {
  if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) {
    throw new ControlFailure(2, 'Invalid request: params must be an array of stream names');
  }
  return params;
}

function failure(code: number, msg: string, id: unknown): object {
  return { error: { code, msg }, id };
}

class ControlFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
