/**
 * Starts one real local stack for the end-to-end suites, on free ports with a
 * temporary storage, and hands its coordinates to the test files through
 * environment variables (test workers are forked after this runs).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { prepareStorage } from './support/storage-layout.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';

/** Shared with global-teardown.ts, which runs in this same process. */
export interface E2eGlobals {
  stack?: StackProcess;
  base?: string;
}

export default async function globalSetup(): Promise<void> {
  const layout = await prepareStorage();
  const secret = randomBytes(32).toString('hex');
  const globals = globalThis as typeof globalThis & { __E2E__?: E2eGlobals };
  globals.__E2E__ = { base: layout.base };
  const stack = await spawnStack({
    root: layout.root,
    jwtSecret: secret,
    // Fast retries: a failed record is delivered again after 1 s instead of 30.
    env: { WORKER_VISIBILITY_TIMEOUT: '1' },
  }).catch(async (err: unknown) => {
    await rm(layout.base, { recursive: true, force: true });
    throw err;
  });
  globals.__E2E__.stack = stack;
  process.env.E2E_URL = stack.url;
  process.env.E2E_SQS_ENDPOINT = stack.sqsEndpoint;
  process.env.E2E_ROOT = layout.root;
  process.env.E2E_BASE = layout.base;
  process.env.E2E_JWT_SECRET = secret;
}
