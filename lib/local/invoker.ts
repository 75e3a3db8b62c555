/**
 * What the local event source needs from whatever runs the worker function.
 *
 * @module
 */

/** Outcome of one synchronous invocation. */
export type InvokeOutcome =
  /** The handler returned; `payload` is its return value. */
  | { readonly ok: true; readonly payload: unknown }
  /** The handler threw, timed out, crashed, or the invocation could not be made. */
  | { readonly ok: false; readonly error: string };

/** Something that runs a function with an event and reports the outcome; it never throws. */
export type Invoker = (event: unknown, signal?: AbortSignal) => Promise<InvokeOutcome>;
