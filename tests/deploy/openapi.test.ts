/**
 * The API contract never drifts from the code: docs/openapi.yaml is what the
 * zod schemas generate, and it lints clean with Redocly's recommended rules.
 * (The e2e suites validate every response they receive against it.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('docs/openapi.yaml is the one the request schemas generate', async () => {
  await expect(
    run(process.execPath, [
      '--no-warnings=ExperimentalWarning',
      '--import',
      'tsx',
      'scripts/openapi.ts',
      '--check',
    ]),
  ).resolves.toBeDefined();
}, 60_000);

test('docs/openapi.yaml lints clean, without a single warning', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    ['node_modules/@redocly/cli/bin/cli.js', 'lint', '--format=stylish', 'docs/openapi.yaml'],
    { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  const output = stdout + stderr;
  expect(output).toContain('Your API description is valid');
  expect(output).not.toMatch(/warning/i);
}, 60_000);
