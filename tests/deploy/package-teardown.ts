/** Global teardown of the deploy project: removes the package folder of package-setup.ts. */
import { rm } from 'node:fs/promises';
import type { DeployGlobals } from './package-setup.js';

export default async function globalTeardown(): Promise<void> {
  const dir = (globalThis as typeof globalThis & { __DEPLOY__?: DeployGlobals }).__DEPLOY__?.packageDir;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
