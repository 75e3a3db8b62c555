/** Stops the stack of stack-setup.ts and removes its temporary storage. */
import { rm } from 'node:fs/promises';
import type { E2eGlobals } from './stack-setup.js';

export default async function globalTeardown(): Promise<void> {
  const globals = (globalThis as typeof globalThis & { __E2E__?: E2eGlobals }).__E2E__;
  await globals?.stack?.stop();
  if (globals?.base && !process.env.E2E_KEEP) await rm(globals.base, { recursive: true, force: true });
}
