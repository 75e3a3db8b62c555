import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnsupportedFormatError } from '../../lib/errors.js';
import { formatFromPath, openSource } from '../../lib/readers/index.js';
import type { InputFormat } from '../../lib/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/readers/', import.meta.url));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readers-registry-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('formatFromPath', () => {
  test.each<[string, InputFormat]>([
    ['sales.csv', 'csv'],
    ['exports/Ventes.CSV', 'csv'],
    ['a.b/data.tsv', 'tsv'],
    ['x.json', 'json'],
    ['x.ndjson', 'ndjson'],
    ['logs/app.JSONL', 'ndjson'],
    ['x.xml', 'xml'],
    ['x.parquet', 'parquet'],
    ['x.parq', 'parquet'],
  ])('reads %s as %s', (file, format) => {
    expect(formatFromPath(file)).toBe(format);
  });

  test.each(['notes.txt', 'data.csv.gz', 'README', 'dir.csv/file', '.csv'])(
    'refuses %s, listing the supported extensions',
    (file) => {
      let caught: unknown;
      try {
        formatFromPath(file);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UnsupportedFormatError);
      const err = caught as UnsupportedFormatError;
      expect(err.code).toBe('unsupported_format');
      expect(err.message).toContain('supported: .csv, .tsv, .json, .ndjson, .jsonl, .xml, .parquet, .parq');
      expect(err.message).not.toContain(tmpdir());
    },
  );
});

describe('openSource', () => {
  async function header(file: string, format: InputFormat, delimiter?: string) {
    return openSource(file, format, delimiter ? { delimiter } : {}).header();
  }

  test('splits a TSV on tabs even where another delimiter would fit as well', async () => {
    const file = path.join(tmp, 'ambiguous.tsv');
    await writeFile(file, 'a\tb;c\n1\t2;3\n');
    expect(await header(file, 'tsv')).toEqual(['a', 'b;c']);
    expect(await header(file, 'csv')).toEqual(['a\tb', 'c']);
    expect(await header(file, 'tsv', ';')).toEqual(['a\tb', 'c']);
  });

  test('opens JSON and NDJSON with their readers', async () => {
    const json = openSource(path.join(FIXTURES, 'union.json'), 'json', {});
    const ndjson = openSource(path.join(FIXTURES, 'good.ndjson'), 'ndjson', {});
    expect(await json.header()).toBeUndefined();
    let rows = 0;
    for await (const batch of json.batches()) rows += batch.table.numRows();
    for await (const batch of ndjson.batches()) rows += batch.table.numRows();
    expect(rows).toBe(6);
  });

  test.each<InputFormat>(['xml', 'parquet'])('opens %s without reading the file', (format) => {
    const source = openSource(path.join(tmp, `missing.${format}`), format, {});
    expect(typeof source.batches).toBe('function');
    expect(typeof source.header).toBe('function');
  });
});
