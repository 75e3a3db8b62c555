import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openJsonSource } from '../../lib/readers/json.js';
import { openNdjsonSource } from '../../lib/readers/ndjson.js';
import type { ReaderTuning } from '../../lib/readers/text-chunks.js';
import type { ReadOptions, Scalar, TableSource } from '../../lib/types.js';
import { parseErrorOf } from './support/parse-error.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/readers/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);

/** Reads every batch as row objects; a column missing from a batch is null there. */
async function readRows(source: TableSource): Promise<{ columns: string[]; rows: Record<string, Scalar>[] }> {
  const columns: string[] = [];
  const rows: Record<string, Scalar>[] = [];
  for await (const { table } of source.batches()) {
    for (const name of table.columnNames()) if (!columns.includes(name)) columns.push(name);
    rows.push(...(table.objects() as Record<string, Scalar>[]));
  }
  return { columns, rows };
}

const readJson = (name: string, options: ReadOptions = {}, tuning?: ReaderTuning) =>
  readRows(openJsonSource(fixture(name), options, tuning));
const readNdjson = (name: string, options: ReadOptions = {}, tuning?: ReaderTuning) =>
  readRows(openNdjsonSource(fixture(name), options, tuning));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readers-json-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function tmpFile(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, text);
  return file;
}

const nestedRows = [
  { id: 1, name: 'Zoë', 'address.city': 'Paris', 'address.geo.lat': 48.85, tags: '["a","b"]', active: null },
  { id: 2, name: null, 'address.city': 'Lyon', 'address.geo.lat': null, tags: null, active: true },
];

describe('JSON reader', () => {
  test('flattens nested objects to dotted names and keeps arrays as JSON text', async () => {
    const { columns, rows } = await readJson('nested.json');
    expect(columns).toEqual(['id', 'name', 'address.city', 'address.geo.lat', 'tags', 'active']);
    expect(rows).toEqual(nestedRows);
  });

  test.each([1, 2, 3, 7, 16])('reads the same records from %i-byte reads', async (chunkBytes) => {
    expect((await readJson('nested.json', {}, { chunkBytes })).rows).toEqual(nestedRows);
  });

  test('reads the one array of a wrapping object, ignoring its other members', async () => {
    const expected = [
      { a: 1, b: null },
      { a: 2, b: 'x' },
    ];
    expect((await readJson('wrapped.json')).rows).toEqual(expected);
    expect((await readJson('wrapped.json', {}, { chunkBytes: 3 })).rows).toEqual(expected);
  });

  test('builds the union of keys in first-seen order', async () => {
    const { columns, rows } = await readJson('union.json');
    expect(columns).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual([
      { a: 1, b: null, c: null },
      { a: null, b: 2, c: null },
      { a: 3, b: null, c: 'z' },
    ]);
  });

  test('keeps strings with escaped quotes, brackets and commas intact', async () => {
    const file = await tmpFile('escapes.json', String.raw`[{"s": "a \"[x], {y}\" \\"}, {"s": "😀,]"}]`);
    for (const chunkBytes of [1, 4, 1024]) {
      expect((await readRows(openJsonSource(file, {}, { chunkBytes }))).rows).toEqual([
        { s: 'a "[x], {y}" \\' },
        { s: '😀,]' },
      ]);
    }
  });

  test('finds record boundaries despite look-alikes in strings and nested arrays of objects', async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({
      id: i,
      s: i % 3 === 0 ? '},{"fake": 1},{' : 'x',
      items: [{ x: i }, { x: i + 1 }],
    }));
    const file = await tmpFile('lookalikes.json', JSON.stringify(records, null, 1));
    const expected = records.map((r) => ({ id: r.id, s: r.s, items: JSON.stringify(r.items) }));
    for (const chunkBytes of [16, 100, 1000, 65536]) {
      expect((await readRows(openJsonSource(file, {}, { chunkBytes }))).rows).toEqual(expected);
    }
  });

  test('counts lines across stretches to locate a late bad record', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  {"id": ${i}},`);
    lines[2500] = '  {"id": bad},';
    const file = await tmpFile('late.json', `[\n${lines.join('\n')}\n  {"id": -1}\n]\n`);
    for (const chunkBytes of [64, 4096, 1 << 20]) {
      const err = await parseErrorOf(readRows(openJsonSource(file, {}, { chunkBytes })));
      expect(err.message).toMatch(/^record 2501 \(line 2502\): invalid JSON/);
    }
  });

  test('reads an empty array as no rows', async () => {
    expect(await readJson('empty-array.json')).toEqual({ columns: [], rows: [] });
  });

  test('rejects an object holding two arrays', async () => {
    expect((await parseErrorOf(readJson('two-arrays.json'))).message).toMatch(
      /holds several arrays \("items" and "other"\)/,
    );
  });

  test('rejects a record that is not an object, naming its number and line', async () => {
    const err = await parseErrorOf(readJson('not-object.json'));
    expect(err.message).toBe('record 3 (line 4): expected an object, found an array');
    expect(err.details).toEqual({ record: 3, line: 4 });
  });

  test.each([undefined, 5])(
    'rejects malformed JSON with the record and line (%s-byte reads)',
    async (chunkBytes) => {
      const err = await parseErrorOf(readJson('malformed.json', {}, chunkBytes ? { chunkBytes } : {}));
      expect(err.message).toMatch(/^record 2 \(line 3\): invalid JSON: Unexpected token 'o'$/);
    },
  );

  test.each([
    ['an empty file', '', 'empty file: expected a JSON array of objects'],
    ['a scalar', '42', 'line 1: expected a JSON array of objects, or an object holding one array of objects'],
    ['an object without array', '{"a": 1}', 'the JSON object holds no array'],
    ['a truncated array', '[{"a": 1},\n{"a": 2}', 'line 2: unexpected end of file before the array'],
    ['a trailing comma', '[{"a": 1},\n]', "record 2 (line 2): trailing comma before ']'"],
    [
      'a trailing comma after a stretch',
      '[{"a": 1},\n' + ' '.repeat(10_000) + ']',
      "record 2 (line 2): trailing comma before ']'",
    ],
    [
      'a bad property',
      '[{"a": 1},\n{"a" 2}]',
      "record 2 (line 2): invalid JSON: Expected ':' after property name",
    ],
    ['two commas', '[{"a": 1},,{"a": 2}]', 'record 2 (line 1): missing value between commas'],
    ['text after the value', '[{"a": 1}] x', 'line 1: unexpected text after the end of the JSON value'],
    ['a bad wrapper member', '{"n": tru, "d": []}', 'line 1: invalid JSON'],
  ])('rejects %s', async (_what, text, message) => {
    const file = await tmpFile('bad.json', text);
    for (const chunkBytes of [64, 4096]) {
      expect((await parseErrorOf(readRows(openJsonSource(file, {}, { chunkBytes })))).message).toContain(
        message,
      );
    }
  });

  test('does not apply null_values to JSON strings', async () => {
    const file = await tmpFile('na.json', '[{"a": "NA"}, {"a": ""}]');
    expect((await readRows(openJsonSource(file, { null_values: ['NA'] }))).rows).toEqual([
      { a: 'NA' },
      { a: '' },
    ]);
  });

  test('delivers a large array in several batches with running row numbers', async () => {
    const records = Array.from({ length: 50_000 }, (_, i) => ({ id: i + 1, v: { x: i % 3 } }));
    const file = await tmpFile('many.json', JSON.stringify({ total: 50_000, data: records }, null, 1));
    const batches: { firstRow: number; rows: number; first: Scalar }[] = [];
    for await (const { table, firstRow } of openJsonSource(file, {}, { chunkBytes: 8192 }).batches()) {
      batches.push({ firstRow, rows: table.numRows(), first: table.get('id', 0) as Scalar });
    }
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(50_000);
    for (const b of batches) expect(b.first).toBe(b.firstRow);
  });
});

describe('NDJSON reader', () => {
  const expected = [
    { a: 1, 'b.c': null, d: null },
    { a: 2, 'b.c': 'x', d: null },
    { a: null, 'b.c': 'y', d: '[1,2]' },
  ];

  test('reads one object per line, skipping blank lines, with or without a final newline', async () => {
    expect(await readNdjson('good.ndjson')).toEqual({ columns: ['a', 'b.c', 'd'], rows: expected });
  });

  test.each([1, 3, 10])('reads the same records from %i-byte reads', async (chunkBytes) => {
    expect((await readNdjson('good.ndjson', {}, { chunkBytes })).rows).toEqual(expected);
  });

  test('rejects a bad line with its line number', async () => {
    const err = await parseErrorOf(readNdjson('bad-line.ndjson'));
    expect(err.message).toMatch(/^line 3: invalid JSON: /);
    expect(err.details).toEqual({ line: 3 });
  });

  test('rejects a line that is not an object', async () => {
    const file = await tmpFile('array.ndjson', '{"a": 1}\n\n[1, 2]\n');
    expect((await parseErrorOf(readRows(openNdjsonSource(file, {})))).message).toBe(
      'line 3: expected an object, found an array',
    );
  });

  test('rejects invalid UTF-8', async () => {
    const file = path.join(tmp, 'latin1.ndjson');
    await writeFile(file, Buffer.from('{"a": "caf\xe9"}\n', 'latin1'));
    expect((await parseErrorOf(readRows(openNdjsonSource(file, {})))).message).toMatch(
      /^line 1: invalid UTF-8/,
    );
  });

  test('delivers a large file in several batches', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ id: i + 1 }));
    const file = await tmpFile('many.ndjson', lines.join('\n'));
    const sizes: number[] = [];
    for await (const { table, firstRow } of openNdjsonSource(file, {}, { chunkBytes: 4096 }).batches()) {
      expect(table.get('id', 0)).toBe(firstRow);
      sizes.push(table.numRows());
    }
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50_000);
  });
});
