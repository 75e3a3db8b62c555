import { ParseError } from '../../../lib/errors.js';

/** Awaits `promise` and returns the ParseError it rejects with; fails the test otherwise. */
export async function parseErrorOf(promise: Promise<unknown>): Promise<ParseError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ParseError)) throw new Error(`expected a ParseError, got ${String(err)}`);
  return err;
}
