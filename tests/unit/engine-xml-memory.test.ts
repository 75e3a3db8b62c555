/**
 * Memory of loadXmlTable, measured in a child process
 * (tests/unit/support/xml-load-probe.ts) with DuckDB capped at 64 MB: the load
 * streams, so a large file costs about what DuckDB is allowed plus a few
 * buffers, and a long record a small multiple of its size. `npm run fuzz`
 * (`FUZZ_RUNS` set) runs the large sizes: a 200 MB file and a 60 MB field.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { XmlLoadCase, XmlLoadReport } from './support/xml-load-probe.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(REPO_ROOT, 'tests/unit/support/xml-load-probe.ts');
const LONG = process.env.FUZZ_RUNS !== undefined;
const MB = 1024;

async function probe(c: XmlLoadCase): Promise<XmlLoadReport> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--no-warnings', '--import', 'tsx', PROBE, JSON.stringify(c)],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 1 << 20, timeout: 170_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (line === undefined) throw new Error(`${JSON.stringify(c)}: ${stdout.slice(-500)}`);
  const report = JSON.parse(line.slice('PROBE '.length)) as XmlLoadReport;
  process.stdout.write(
    `xml-load memory ${JSON.stringify(c)}: ${report.rows} rows, +${Math.round((report.peakKb - report.baselineKb) / MB)} MB peak, ${report.ms} ms\n`,
  );
  return report;
}

test(`a ${LONG ? '200' : '40'} MB XML file loads within 192 MB more than the baseline`, async () => {
  const megabytes = LONG ? 200 : 40;
  const report = await probe({ kind: 'records', megabytes });
  // About 94 bytes per record.
  expect(report.rows).toBeGreaterThan(megabytes * 10_000);
  expect(report.peakKb - report.baselineKb).toBeLessThan(192 * MB);
}, 180_000);

test(`a record with a ${LONG ? '60' : '16'} MB text field loads within 48 MB plus 6 bytes per byte of it`, async () => {
  const fieldMegabytes = LONG ? 60 : 16;
  const report = await probe({ kind: 'long-field', fieldMegabytes });
  expect(report.rows).toBe(1);
  expect(report.peakKb - report.baselineKb).toBeLessThan((48 + 6 * fieldMegabytes) * MB);
}, 180_000);
