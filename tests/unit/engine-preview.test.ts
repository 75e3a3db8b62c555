import { DuckDBInstance } from '@duckdb/node-api';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { previewResult } from '../../lib/engine/preview.js';
import { jsonColumn, losslessNumber } from '../../lib/engine/preview-values.js';
import { Storage } from '../../lib/storage/storage.js';
import type { OutputFormat } from '../../lib/types.js';

/**
 * Result files the engine wrote (non_null and stats over tests/fixtures/preview/README.md's input, in every
 * output format), each beside the preview of its first 3 rows as `<file>.golden.json`.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/preview');
const MB6 = 6 * 2 ** 20;

let root: string;
let storage: Storage;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'preview-'));
  await cp(FIXTURES, path.join(root, 'results'), { recursive: true });
  storage = new Storage(root);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const results = (await readdir(FIXTURES)).filter(
  (f) => /\.(csv|json|ndjson|parquet|xml)$/.test(f) && !f.endsWith('.golden.json'),
);

describe('previewResult over every output format', () => {
  test('the fixture folder holds both results in all five formats', () => {
    expect(results.sort()).toEqual(
      ['non_null', 'stats'].flatMap((r) =>
        ['csv', 'json', 'ndjson', 'parquet', 'xml'].map((f) => `${r}.${f}`),
      ),
    );
  });

  test.each(results)('previews the first 3 rows of %s as its golden file says', async (file) => {
    const format = path.extname(file).slice(1) as OutputFormat;
    const golden: unknown = JSON.parse(await readFile(path.join(FIXTURES, `${file}.golden.json`), 'utf8'));
    expect(await previewResult(storage, `results/${file}`, format, 3, MB6)).toEqual(golden);
  });

  test.each(['json', 'ndjson', 'parquet', 'xml'] as const)(
    'previews the stats result written as %s exactly as the CSV one: the same table whatever the format',
    async (format) => {
      const csv = await previewResult(storage, 'results/stats.csv', 'csv', 10, MB6);
      expect(await previewResult(storage, `results/stats.${format}`, format, 10, MB6)).toEqual(csv);
    },
  );

  test.each(['csv', 'json', 'ndjson', 'parquet', 'xml'] as const)(
    'gives every row of a %s result shorter than the limit, and only the first one for limit 1',
    async (format) => {
      expect(
        (await previewResult(storage, `results/non_null.${format}`, format, 1000, MB6)).rows,
      ).toHaveLength(5);
      const one = await previewResult(storage, `results/non_null.${format}`, format, 1, MB6);
      expect(one.rows).toHaveLength(1);
      expect(one.rows[0]![0]).toBe(1);
    },
  );
});

describe('previewResult reads only the rows it shows', () => {
  test('an XML result loads only its first N records: a malformed record further on does not fail a preview before it', async () => {
    const records = Array.from({ length: 5 }, (_, i) => `<row><n>${i}</n></row>`).join('\n');
    await writeFile(path.join(root, 'broken.xml'), `<rows>\n${records}\n<row><n>5</m></row>\n</rows>\n`);
    expect(await previewResult(storage, 'broken.xml', 'xml', 3, MB6)).toEqual({
      columns: ['n'],
      rows: [[0], [1], [2]],
    });
    await expect(previewResult(storage, 'broken.xml', 'xml', 10, MB6)).rejects.toMatchObject({
      code: 'parse_error',
    });
  });

  test('an NDJSON result learns its columns from the rows it shows, not from a sample further on', async () => {
    const lines = ['{"a":1}', '{"a":2}', '{"a":3,"late":true}'];
    await writeFile(path.join(root, 'late.ndjson'), lines.join('\n') + '\n');
    expect(await previewResult(storage, 'late.ndjson', 'ndjson', 2, MB6)).toEqual({
      columns: ['a'],
      rows: [[1], [2]],
    });
  });

  test('a CSV result is read through DuckDB with the limit pushed into the reader: a broken line 200,000 rows on does not fail it', async () => {
    const body = Array.from({ length: 200_000 }, (_, i) => `${i},x`).join('\n');
    await writeFile(path.join(root, 'long.csv'), `n,s\n${body}\n"unclosed,quote\n`);
    const preview = await previewResult(storage, 'long.csv', 'csv', 2, MB6);
    expect(preview).toEqual({
      columns: ['n', 's'],
      rows: [
        [0, 'x'],
        [1, 'x'],
      ],
    });
  });
});

describe('previewResult keeps within the answer size', () => {
  test('answers result_too_large naming the storage path when even the rows asked for are over the bound', async () => {
    const wide = 'w'.repeat(5000);
    await writeFile(path.join(root, 'wide.csv'), `a\n${wide}\n${wide}\n`);
    await expect(previewResult(storage, 'wide.csv', 'csv', 2, 8000)).rejects.toMatchObject({
      code: 'result_too_large',
      details: { path: 'wide.csv', rows: 2, limit: 8000 },
    });
    expect((await previewResult(storage, 'wide.csv', 'csv', 1, 8000)).rows).toEqual([[wide]]);
  });

  test('counts the JSON answer, escapes included, against the bound', async () => {
    await writeFile(path.join(root, 'quotes.csv'), `a\n"${'""'.repeat(400)}"\n`);
    // 400 quote characters of text become 800 escaped characters of JSON.
    await expect(previewResult(storage, 'quotes.csv', 'csv', 1, 600)).rejects.toMatchObject({
      code: 'result_too_large',
    });
  });
});

describe('previewResult opens the result through the storage', () => {
  test('refuses a path out of the root and a missing file as any input', async () => {
    await expect(previewResult(storage, '../etc/passwd', 'csv', 1, MB6)).rejects.toMatchObject({
      code: 'invalid_path',
    });
    await expect(previewResult(storage, 'results/gone.csv', 'csv', 1, MB6)).rejects.toMatchObject({
      code: 'input_not_found',
    });
  });
});

describe('preview values are JSON-safe', () => {
  test('a typed Parquet result: big integers and long decimals as exact strings, NaN and infinities null, dates ISO strings', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const file = path.join(root, 'typed.parquet');
    await connection.run(
      `COPY (SELECT * FROM (VALUES
         (1, 9007199254740993::BIGINT, 1.50::DECIMAL(18,2), 'NaN'::DOUBLE, DATE '2024-02-29',
          TIMESTAMP '2024-02-29 13:14:15.123456', true, [1, 2], 'x'::BLOB, 18446744073709551615::UBIGINT),
         (2, -3::BIGINT, 1234567890123456.78::DECIMAL(18,2), 'Infinity'::DOUBLE, NULL,
          NULL, false, NULL, NULL, 5::UBIGINT),
         (3, 4::BIGINT, NULL, '-Infinity'::DOUBLE, DATE '1970-01-01', NULL, NULL, [], NULL, NULL)
       ) t(id, big, dec, dbl, day, ts, flag, list, bin, ubig)) TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const preview = await previewResult(storage, 'typed.parquet', 'parquet', 3, MB6);
    expect(preview.columns).toEqual(['id', 'big', 'dec', 'dbl', 'day', 'ts', 'flag', 'list', 'bin', 'ubig']);
    expect(preview.rows).toEqual([
      [
        1,
        '9007199254740993',
        '1.50',
        null,
        '2024-02-29',
        '2024-02-29T13:14:15.123456',
        true,
        '[1,2]',
        'eA==',
        '18446744073709551615',
      ],
      [2, '-3', '1234567890123456.78', null, null, null, false, null, null, '5'],
      [3, '4', null, null, '1970-01-01', null, null, '[]', null, null],
    ]);
    // What any JSON parser reads back is what was sent: no digit lost, no NaN token.
    const text = JSON.stringify(preview);
    expect(JSON.parse(text)).toEqual(preview);
    expect(text).not.toMatch(/NaN|Infinity/);
  });

  test.each<[string, number | undefined]>([
    ['12', 12],
    ['-0.5', -0.5],
    ['1.50', 1.5],
    ['1e+21', 1e21],
    ['-0', 0],
    ['9007199254740992', 9007199254740992],
    ['9007199254740993', undefined],
    ['0.1000000000000000055511', undefined],
    ['007', undefined],
    ['+1', undefined],
    [' 1', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    ['', undefined],
    ['0x10', undefined],
  ])('losslessNumber(%j) is %p', (text, expected) => {
    expect(losslessNumber(text)).toBe(expected);
  });

  test('a column is numbers only when every value is one without loss, else every value stays its text', () => {
    expect(jsonColumn('text', ['1', null, '2.5'])).toEqual([1, null, 2.5]);
    expect(jsonColumn('text', ['1', '007'])).toEqual(['1', '007']);
    expect(jsonColumn('number', ['1', '9007199254740993'])).toEqual(['1', '9007199254740993']);
    expect(jsonColumn('text', ['true', null, 'false'])).toEqual([true, null, false]);
    expect(jsonColumn('text', ['true', 'TRUE'])).toEqual(['true', 'TRUE']);
    expect(jsonColumn('string', ['1', 'true'])).toEqual(['1', 'true']);
    expect(jsonColumn('boolean', ['true', 'false', null])).toEqual([true, false, null]);
  });
});
