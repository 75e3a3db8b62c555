/** The code reference builds: TSDoc on every exported symbol of lib/ and functions/, every link resolved. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('TypeDoc documents lib/ and functions/ without a single warning', async () => {
  // typedoc.json sets treatWarningsAsErrors, so any warning fails the run.
  const { stdout, stderr } = await run(
    process.execPath,
    ['node_modules/typedoc/bin/typedoc', '--emit', 'none'],
    {
      maxBuffer: 16 << 20,
    },
  );
  expect(stdout + stderr).not.toMatch(/warning|error/i);
}, 120_000);
