/**
 * Global setup of the deploy project: packages the service once for every
 * test file (see package.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { announcePackage, packageService } from './package.js';

/** Shared with package-teardown.ts, which runs in this same process. */
export interface DeployGlobals {
  packageDir?: string;
}

export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sls-package-'));
  (globalThis as typeof globalThis & { __DEPLOY__?: DeployGlobals }).__DEPLOY__ = { packageDir: dir };
  await packageService(dir).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  announcePackage(dir);
}
