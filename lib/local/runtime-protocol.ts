/**
 * Messages between a `RuntimePool` (`runtime-pool.ts`) and its runtime processes
 * (`function-runtime.ts`), over Node's IPC channel.
 *
 * @module
 */

/** Parent → runtime: run the handler once. */
export interface InvokeRequest {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  /** Epoch milliseconds at which the invocation times out (`getRemainingTimeInMillis`). */
  readonly deadline: number;
}

/** Any message a runtime receives. */
export type RuntimeRequest = InvokeRequest;

/** Runtime → parent. */
export type RuntimeReply =
  /** The bundle is loaded: invocations may be sent. */
  | { readonly type: 'ready' }
  /** The bundle could not be loaded; the runtime exits. */
  | { readonly type: 'failed'; readonly error: string }
  /** The outcome of invocation `id`. */
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly payload: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: string };
