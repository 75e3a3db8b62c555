/**
 * `non_null` on XML guesses column types from the first rows and checks every
 * cell against its guess while writing: a later cell that contradicts the
 * guess, kept or dropped by the filter, must still give the types of the
 * whole column (the README's rule), never the sample's.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { TYPE_SAMPLE_ROWS } from '../../lib/engine/non-null.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let storage: Storage;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-type-guess-'));
  storage = new Storage(root);
  await mkdir(path.join(root, 'in'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** An XML input of `rows` records `<k>`, `<v>` and `<flag>`, with `late` replacing one record's cells. */
function xml(rows: number, late: { at: number; cells: string }): string {
  let text = '<rows>';
  for (let i = 0; i < rows; i++) {
    text += i === late.at ? `<r>${late.cells}</r>` : `<r><k>${i}</k><v>${i % 10}</v><flag>true</flag></r>`;
  }
  return `${text}</rows>`;
}

async function nonNull(content: string): Promise<Record<string, unknown>[]> {
  const input = `in/${++n}.xml`;
  await writeFile(path.join(root, input), content);
  const output = `out/${n}.json`;
  const request = { operation: 'non_null', columns: ['k'], input, output, output_format: 'json' };
  const result = await runCompute(storage, request as ComputeRequest);
  expect(result.rows_in).toBe(TYPE_SAMPLE_ROWS + 100);
  return JSON.parse(await readFile(path.join(root, output), 'utf8')) as Record<string, unknown>[];
}

const ROWS = TYPE_SAMPLE_ROWS + 100;

test('types columns by the whole file when the first rows all agree', async () => {
  const rows = await nonNull(xml(ROWS, { at: -1, cells: '' }));
  expect(rows).toHaveLength(ROWS);
  expect(rows[7]).toEqual({ k: 7, v: 7, flag: true });
});

test('writes a column as text when a cell after the sample is not a number, in a kept row', async () => {
  const rows = await nonNull(xml(ROWS, { at: ROWS - 3, cells: '<k>x</k><v>abc</v><flag>true</flag>' }));
  expect(rows).toHaveLength(ROWS);
  expect(rows[7]).toEqual({ k: '7', v: '7', flag: true });
  expect(rows[ROWS - 3]).toEqual({ k: 'x', v: 'abc', flag: true });
});

test('writes a column as text when the contradicting cell is in a row the filter drops', async () => {
  const rows = await nonNull(xml(ROWS, { at: ROWS - 3, cells: '<v>abc</v><flag>true</flag>' }));
  expect(rows).toHaveLength(ROWS - 1);
  expect(rows[7]).toEqual({ k: 7, v: '7', flag: true });
});
