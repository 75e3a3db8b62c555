/**
 * A local Lambda runtime: the program each process of a `RuntimePool` (`runtime-pool.ts`)
 * runs. It loads one function's bundle once (a cold start), then runs one
 * invocation at a time for its parent, over the IPC channel, as a warm Lambda
 * execution environment does. It exits when its parent goes away.
 *
 * Protocol (structured-clone messages):
 * - child → parent `{ type: 'ready' }` once the bundle is loaded, or
 *   `{ type: 'failed', error }` if it cannot be;
 * - parent → child `{ type: 'invoke', id, event, deadline }` (deadline: epoch ms);
 * - child → parent `{ type: 'result', id, ok: true, payload }` or
 *   `{ type: 'result', id, ok: false, error }` when the handler threw.
 *
 * Arguments: `<bundle.mjs> <export name> <function name>`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { RuntimeReply, RuntimeRequest } from './runtime-protocol.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

function send(message: RuntimeReply): void {
  process.send?.(message);
}

function contextFor(functionName: string, deadline: number): Context {
  const awsRequestId = randomUUID();
  const fail = (): never => {
    throw new Error('callback-style handlers are not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

async function main(): Promise<void> {
  const [bundle, exportName, functionName] = process.argv.slice(2) as [string, string, string];
  let handler: Handler;
  try {
    const loaded = (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
    const candidate = loaded[exportName];
    if (typeof candidate !== 'function') throw new Error(`${bundle} exports no function ${exportName}`);
    handler = candidate as Handler;
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  process.on('message', (message: RuntimeRequest) => {
    if (message.type !== 'invoke') return;
    const { id, event, deadline } = message;
    handler(event, contextFor(functionName, deadline)).then(
      (payload) => send({ type: 'result', id, ok: true, payload: payload ?? null }),
      (err: unknown) =>
        send({ type: 'result', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent owns this process: when it disconnects (stopped or killed), so do we.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

void main();
