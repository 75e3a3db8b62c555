/**
 * `GET /health`: the service's status. Authenticated like every route.
 *
 * @module
 */
import { json } from '../lib/http/status.js';
import { withHttp, type ApiHandler } from '../lib/http/with-http.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';

const CHECK_TIMEOUT_MS = 2500;

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

/** 200 `ok` when the storage takes writes and the queue answers, else 503 `degraded` naming the failing check. */
export const health: ApiHandler = async (_event, d) => {
  const [storage, queue] = await Promise.all([
    check(() => d.storage.checkWritable()),
    check(() => d.queue.depth()),
  ]);
  const ok = storage === 'ok' && queue === 'ok';
  return json(ok ? 200 : 503, {
    status: ok ? 'ok' : 'degraded',
    version: d.config.version,
    checks: { storage, queue },
  });
};

/** Builds the Lambda handler over some dependencies. */
export const makeHandler = (getDeps: () => ServiceDeps, timeoutEarlyInMillis?: number) =>
  withHttp(health, getDeps, timeoutEarlyInMillis);

/** The Lambda handler. */
export const handler = makeHandler(deps);
