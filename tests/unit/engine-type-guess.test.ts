/**
 * `non_null` on XML, JSON and NDJSON guesses column types from the first rows
 * and checks every cell against its guess while writing: a later cell that
 * contradicts the guess, kept or dropped by the filter, must still give the
 * types of the whole column (the README's rule), never the sample's. The
 * input's rows are counted by that same writing query (JSON, NDJSON), every
 * one of them, dropped or not.
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

type Format = 'xml' | 'json' | 'ndjson';

/** A record's cells, by column; a missing column is a null cell. */
type Cells = Record<string, string>;

/** `rows` records `k`, `v` and `flag`, with `late` replacing one record's cells, in `format`. */
function input(format: Format, rows: number, late: { at: number; cells: Cells }): string {
  const records: Cells[] = [];
  for (let i = 0; i < rows; i++) {
    records.push(i === late.at ? late.cells : { k: String(i), v: String(i % 10), flag: 'true' });
  }
  if (format === 'xml') {
    const body = records.map(
      (r) =>
        `<r>${Object.entries(r)
          .map(([name, value]) => `<${name}>${value}</${name}>`)
          .join('')}</r>`,
    );
    return `<rows>${body.join('')}</rows>`;
  }
  // JSON values as a JSON writer gives them: numbers and booleans bare, other text quoted.
  const value = (text: string): unknown =>
    /^-?\d+$/.test(text) ? Number(text) : text === 'true' ? true : text;
  const objects = records.map((r) =>
    JSON.stringify(Object.fromEntries(Object.entries(r).map(([name, text]) => [name, value(text)]))),
  );
  return format === 'ndjson' ? objects.join('\n') + '\n' : `[${objects.join(',\n')}]`;
}

async function nonNull(format: Format, content: string): Promise<Record<string, unknown>[]> {
  const input = `in/${++n}.${format}`;
  await writeFile(path.join(root, input), content);
  const output = `out/${n}.json`;
  const request = { operation: 'non_null', columns: ['k'], input, output, output_format: 'json' };
  const result = await runCompute(storage, request as ComputeRequest);
  expect(result.rows_in).toBe(TYPE_SAMPLE_ROWS + 100);
  return JSON.parse(await readFile(path.join(root, output), 'utf8')) as Record<string, unknown>[];
}

const ROWS = TYPE_SAMPLE_ROWS + 100;
const FORMATS: Format[] = ['xml', 'json', 'ndjson'];

test.each(FORMATS)('types %s columns by the whole file when the first rows all agree', async (format) => {
  const rows = await nonNull(format, input(format, ROWS, { at: -1, cells: {} }));
  expect(rows).toHaveLength(ROWS);
  expect(rows[7]).toEqual({ k: 7, v: 7, flag: true });
});

test.each(FORMATS)(
  'writes a %s column as text when a cell after the sample is not a number, in a kept row',
  async (format) => {
    const late = { at: ROWS - 3, cells: { k: 'x', v: 'abc', flag: 'true' } };
    const rows = await nonNull(format, input(format, ROWS, late));
    expect(rows).toHaveLength(ROWS);
    expect(rows[7]).toEqual({ k: '7', v: '7', flag: true });
    expect(rows[ROWS - 3]).toEqual({ k: 'x', v: 'abc', flag: true });
  },
);

test.each(FORMATS)(
  'writes a %s column as text when the contradicting cell is in a row the filter drops',
  async (format) => {
    const rows = await nonNull(
      format,
      input(format, ROWS, { at: ROWS - 3, cells: { v: 'abc', flag: 'true' } }),
    );
    expect(rows).toHaveLength(ROWS - 1);
    expect(rows[7]).toEqual({ k: 7, v: '7', flag: true });
  },
);

test.each(FORMATS)(
  'writes a %s column as text when a late cell is not a boolean, and counts the dropped last rows',
  async (format) => {
    const content = input(format, ROWS, { at: ROWS - 1, cells: { flag: 'maybe' } });
    const rows = await nonNull(format, content);
    expect(rows).toHaveLength(ROWS - 1);
    expect(rows[7]).toEqual({ k: 7, v: 7, flag: 'true' });
  },
);
