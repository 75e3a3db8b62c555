/**
 * Jest runs the TypeScript sources as native ES modules (arquero and hyparquet
 * ship ESM only), transpiled by swc without type checking: `npm run typecheck`
 * is the type gate.
 * @type {import('jest').Config}
 */
export default {
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
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  projects: undefined,
};
