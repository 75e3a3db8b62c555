/**
 * Jest runs the TypeScript sources as native ES modules (some dependencies
 * ship ESM only), transpiled by swc without type checking: `npm run typecheck`
 * is the type gate.
 *
 * Projects: `unit` (fast, no network), `deploy`, and `e2e`, whose global setup
 * starts the real local stack (`scripts/start.ts`) on free loopback ports with
 * a temporary storage, and whose teardown stops it. `npm test` runs these
 * three; `npm test -- --selectProjects unit` runs one.
 *
 * A fourth, `chaos` (tests/chaos: hundreds of jobs, killed stacks, broken
 * storage), exists only when `CHAOS=1`, as `npm run chaos` sets: it takes
 * minutes and loads the machine, so `npm test` leaves it out.
 */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
};

/** @type {import('jest').Config} */
export default {
  // A global option (jest ignores it per project): e2e jobs go through HTTP, SQS and the
  // worker, and the restart suite starts two more stacks. Unit tests take milliseconds.
  testTimeout: 60_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
    },
    {
      ...base,
      // Packages the service for a cloud stage (offline) once, in its global setup, and checks the
      // CloudFormation template and the zips (tests/deploy/package.ts).
      displayName: 'deploy',
      testMatch: ['<rootDir>/tests/deploy/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/deploy/global-setup.mjs',
      globalTeardown: '<rootDir>/tests/deploy/global-teardown.mjs',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/e2e/global-setup.mjs',
      globalTeardown: '<rootDir>/tests/e2e/global-teardown.mjs',
      slowTestThreshold: 30,
    },
    ...(process.env.CHAOS === '1'
      ? [
          {
            ...base,
            // Each test starts the stacks it needs; no shared stack.
            displayName: 'chaos',
            testMatch: ['<rootDir>/tests/chaos/**/*.test.ts'],
            slowTestThreshold: 120,
          },
        ]
      : []),
  ],
};
