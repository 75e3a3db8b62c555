/**
 * Powertools' `injectLambdaContext` over the service's logger, as a Middy
 * middleware of every function: each line an invocation logs carries
 * `function_request_id`, `cold_start`, `function_name`, `function_arn` and
 * `function_memory_size`.
 *
 * @module
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './logger.js';

type Injector = ReturnType<typeof injectLambdaContext>;
type InjectorRequest = Parameters<NonNullable<Injector['before']>>[0];

/**
 * The middleware. The logger is asked for at each invocation, because the
 * dependencies (and so the logger) are built on first use; a logger that is
 * not Powertools' (a test's recorder) is left as it is.
 *
 * @param logger - returns the logger the function logs with
 */
export function lambdaContextLogs<E, R>(logger: () => Logger): MiddlewareObj<E, R> {
  const injectors = new WeakMap<PowertoolsLogger, Injector>();
  const injector = (): Injector | undefined => {
    const current = logger();
    if (!(current instanceof PowertoolsLogger)) return undefined;
    let found = injectors.get(current);
    if (found === undefined) {
      // resetKeys: keys a previous invocation appended do not leak into the next one of a warm container.
      found = injectLambdaContext(current, { resetKeys: true });
      injectors.set(current, found);
    }
    return found;
  };
  const run =
    (hook: 'before' | 'after' | 'onError') =>
    async (request: unknown): Promise<void> => {
      await injector()?.[hook]?.(request as InjectorRequest);
    };
  return { before: run('before'), after: run('after'), onError: run('onError') };
}
