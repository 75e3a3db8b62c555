/**
 * Invokes a function of the local stack through the Lambda `Invoke` API that
 * serverless-offline serves on its `lambdaPort`: the function runs the same
 * esbuild bundle, environment and timeout as its HTTP siblings, in one of
 * serverless-offline's worker threads (never on an event loop that serves
 * HTTP or SQS).
 *
 * @module
 */

/** Outcome of one synchronous invocation. */
export type InvokeOutcome =
  /** The handler returned; `payload` is its parsed return value. */
  | { readonly ok: true; readonly payload: unknown }
  /** The handler threw, timed out, or the invocation could not be made. */
  | { readonly ok: false; readonly error: string };

/** Something that runs a function with an event and reports the outcome. */
export type Invoker = (event: unknown, signal?: AbortSignal) => Promise<InvokeOutcome>;

/**
 * Makes an {@link Invoker} for one function of serverless-offline.
 *
 * @param lambdaEndpoint - e.g. `http://127.0.0.1:3002`
 * @param functionName - the deployed name, `<service>-<stage>-<function>`
 * @returns an invoker; it never throws, failures are reported as `{ ok: false }`
 * @example
 * ```ts
 * const invoke = offlineInvoker('http://127.0.0.1:3002', 'dataframe-jobs-local-worker');
 * const outcome = await invoke({ Records: [] });
 * ```
 */
export function offlineInvoker(lambdaEndpoint: string, functionName: string): Invoker {
  const url = `${lambdaEndpoint.replace(/\/+$/, '')}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  return async (event, signal) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
        body: JSON.stringify(event),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      return { ok: false, error: `invoke failed: ${(err as Error).message}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      return { ok: false, error: `invoke answered HTTP ${response.status}: ${text.slice(0, 200)}` };
    }
    let payload: unknown = null;
    if (text.length > 0) {
      try {
        payload = JSON.parse(text);
      } catch {
        return { ok: false, error: 'the function returned a payload that is not JSON' };
      }
    }
    // Lambda reports a thrown error or a timeout with this header and a 200 status.
    if (response.headers.get('x-amz-function-error')) {
      const message = (payload as { errorMessage?: unknown } | null)?.errorMessage;
      return { ok: false, error: `function error: ${typeof message === 'string' ? message : 'unknown'}` };
    }
    return { ok: true, payload };
  };
}
