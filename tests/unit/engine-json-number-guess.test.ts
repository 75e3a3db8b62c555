/**
 * `stats`, `group_by` and `non_null` on JSON and NDJSON read a key as DOUBLE when every
 * value the sample shows is a number other than 0 and 1 (json-source.ts),
 * and fall back to its text when a later value is not one. DuckDB's JSON
 * reader turns `true` and `false` into 1 and 0: a late boolean must still
 * make the column non-numeric (the README's rule), a late 0 or 1 must still
 * count as the number it is, and strings spelling numbers stay numbers.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { SAMPLE_RECORDS } from '../../lib/engine/json-source.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let storage: Storage;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-json-number-guess-'));
  storage = new Storage(root);
  await mkdir(path.join(root, 'in'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Format = 'json' | 'ndjson';

/** Records `{g, v}` past the sample, `v` from 2 up, the last record's `v` being `late` (JSON text). */
async function inputWith(format: Format, late: string): Promise<string> {
  const rows = Array.from({ length: SAMPLE_RECORDS + 50 }, (_, i) => `{"g":"g${i % 2}","v":${i + 2}}`);
  rows.push(`{"g":"g0","v":${late}}`);
  const input = `in/${++n}.${format}`;
  const content = format === 'ndjson' ? rows.join('\n') + '\n' : `[${rows.join(',\n')}]`;
  await writeFile(path.join(root, input), content);
  return input;
}

async function run(input: string, request: object): Promise<Record<string, unknown>[]> {
  const output = `out/${++n}.json`;
  await runCompute(storage, { ...request, input, output, output_format: 'json' } as ComputeRequest);
  return JSON.parse(await readFile(path.join(root, output), 'utf8')) as Record<string, unknown>[];
}

const stats = { operation: 'stats', columns: ['v'] };
const mean = { operation: 'group_by', columns: ['g'], aggregations: { v: ['mean', 'max'] } };
const COUNT = SAMPLE_RECORDS + 50;
/** The sum of 2 .. COUNT + 1. */
const SUM = ((COUNT + 1) * (COUNT + 2)) / 2 - 1;

describe.each<Format>(['ndjson', 'json'])('%s', (format) => {
  test.each(['true', 'false'])('a late %s makes the column non-numeric', async (late) => {
    const input = await inputWith(format, late);
    await expect(run(input, stats)).rejects.toMatchObject({ code: 'non_numeric_column' });
    await expect(run(input, mean)).rejects.toMatchObject({ code: 'non_numeric_column' });
  });

  test.each([
    ['1', 1],
    ['0', 0],
    ['-0', 0],
    ['"2.5"', 2.5],
    ['1.0', 1],
  ])('a late %s counts as the number it is', async (late, value) => {
    const input = await inputWith(format, late);
    const [row] = await run(input, stats);
    expect(row).toMatchObject({ column: 'v', count: COUNT + 1, nulls: 0, min: Math.min(value, 2) });
    expect(row!.mean).toBeCloseTo((SUM + value) / (COUNT + 1), 6);
    const groups = await run(input, mean);
    expect(groups.map((g) => g.g)).toEqual(['g0', 'g1']);
  });

  test.each(['"abc"', '{"x":1}', '[1]', '1e400'])('a late %s makes the column non-numeric', async (late) => {
    const input = await inputWith(format, late);
    await expect(run(input, stats)).rejects.toMatchObject({ code: 'non_numeric_column' });
  });

  test('non_null writes a late boolean column as text and a late 1 as a number', async () => {
    const asText = await run(await inputWith(format, 'true'), { operation: 'non_null', columns: ['v'] });
    expect(asText).toHaveLength(COUNT + 1);
    expect(asText[0]).toEqual({ g: 'g0', v: '2' });
    expect(asText[COUNT]).toEqual({ g: 'g0', v: 'true' });
    const asNumber = await run(await inputWith(format, '1'), { operation: 'non_null', columns: ['v'] });
    expect(asNumber[0]).toEqual({ g: 'g0', v: 2 });
    expect(asNumber[COUNT]).toEqual({ g: 'g0', v: 1 });
  });

  test('a late null is a null', async () => {
    const [row] = await run(await inputWith(format, 'null'), stats);
    expect(row).toMatchObject({ count: COUNT, nulls: 1, min: 2, max: COUNT + 1 });
  });
});
