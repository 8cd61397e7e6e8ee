/** Catching the errors the core throws, so that tests can assert on their fields. */
import { inspect } from 'node:util';
import { CoreError, TradeParseError } from '../../core/errors.js';

/** A class of errors, as `instanceof` needs it. */
export type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * Runs `fn` and returns the error it throws, which must be an instance of `errorClass`. Any other
 * error is thrown on unchanged, and a call that returns instead of throwing fails with what it
 * returned (and `context`, when given, to say what was called).
 */
export function catchError<E extends Error>(
  fn: () => unknown,
  errorClass: ErrorClass<E>,
  context?: string,
): E {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    if (err instanceof errorClass) return err;
    throw err;
  }
  const what = context === undefined ? 'the call' : context;
  throw new Error(`expected a ${errorClass.name} from ${what}, but it returned ${inspect(result)}`);
}

/** The {@link TradeParseError} that `fn` throws. */
export function parseErrorOf(fn: () => unknown, context?: string): TradeParseError {
  return catchError(fn, TradeParseError, context);
}

/** The {@link CoreError} (or subclass) that `fn` throws. */
export function coreErrorOf(fn: () => unknown, context?: string): CoreError {
  return catchError(fn, CoreError, context);
}

/** The field and line of each reported parse error, in order: what batch parsers must agree on. */
export function errorSummary(
  errors: readonly TradeParseError[],
): { field: string; line: number | undefined }[] {
  return errors.map((e) => ({ field: e.field, line: e.line }));
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
