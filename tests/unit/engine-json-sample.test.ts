/**
 * The JSON sample read without DuckDB (lib/engine/json-sample.ts) must be,
 * whenever it answers, exactly the records DuckDB's reader gives for the
 * same `LIMIT`, and it must not answer where DuckDB's reader fails: odd
 * white space, CRLF, blank lines, strings holding brackets and quotes,
 * escapes, multi-byte characters across its read chunks, records past the
 * limit that would not parse, and random documents (fixed seed).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectTo } from '../../lib/engine/database.js';
import { MAX_SAMPLE_BYTES, NotPlainError, readSample } from '../../lib/engine/json-sample.js';
import { jsonSource } from '../../lib/engine/json-source.js';
import { Params, rowsWith } from '../../lib/engine/sql.js';
import { Storage } from '../../lib/storage/storage.js';

type Layout = 'ndjson' | 'array';

let dir: string;
let connection: DuckDBConnection;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'json-sample-'));
  connection = await connectTo(await new Storage(dir).realRoot());
});
afterAll(async () => {
  connection.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, `f${++files}`);
  await writeFile(file, content);
  return file;
}

/** DuckDB's records for the sample (as the engine parsed them before), or 'error'. */
async function duckdbSample(file: string, layout: Layout, limit: number): Promise<unknown[] | 'error'> {
  const params = new Params();
  const format = layout === 'ndjson' ? 'newline_delimited' : 'array';
  try {
    const rows = await rowsWith(
      connection,
      `SELECT CAST(json AS VARCHAR) FROM read_json_objects(${params.text(file)}, format = '${format}') LIMIT ${limit}`,
      params,
    );
    return rows.map((row) => JSON.parse(String(row[0])) as unknown);
  } catch {
    return 'error';
  }
}

/** The records read here, or undefined where the file is left to DuckDB. */
async function plainRecords(file: string, layout: Layout, limit: number): Promise<object[] | undefined> {
  const sample = await readSample(file, layout, limit);
  try {
    return sample === undefined ? undefined : [...sample.records()];
  } catch (err) {
    if (err instanceof NotPlainError) return undefined;
    throw err;
  }
}

/** Both readers on one file: this one either declines or gives DuckDB's records. */
async function expectSameAsDuckDB(
  content: string | Uint8Array,
  layout: Layout,
  limit = 100,
): Promise<boolean> {
  const file = await fileOf(content);
  const mine = await plainRecords(file, layout, limit);
  if (mine === undefined) return false;
  expect(await duckdbSample(file, layout, limit)).toEqual(mine);
  return true;
}

describe('plain files are read here, with DuckDB’s records', () => {
  test.each<[string, string, Layout]>([
    ['NDJSON', '{"a":1,"b":{"c":[1,{"d":2}]}}\n{"e":"x"}\n', 'ndjson'],
    ['NDJSON without a final newline', '{"a":1}\n{"a":2}', 'ndjson'],
    ['blank and white-space lines', '\n{"a":1}\n\n  \t\n{"b":2}\n\n', 'ndjson'],
    ['CRLF lines', '{"a":1}\r\n\r\n{"b":2}\r\n', 'ndjson'],
    ['spaces around records', ' \t{"a":1} \t\r\n{"b":2}  ', 'ndjson'],
    ['strings holding brackets, quotes and escapes', '{"a":"}\\"{[","b\\\\":"\\\\"}\n', 'ndjson'],
    ['escapes in keys', '{"a\\/b":1,"\\u00e9":2,"x\\u0000":3}\n', 'ndjson'],
    ['non-ASCII', '{"clé":"東京 🎉"}\n', 'ndjson'],
    ['duplicate keys', '{"a":1,"a":{"b":2}}\n', 'ndjson'],
    ['an array', '[{"a":1},{"b":{"c":null}}]', 'array'],
    ['an array with white space', ' \n[\n\t{"a":1} ,\r\n\t{"b":"],{\\"}"}\n]\n ', 'array'],
    ['an empty array', '[ ]', 'array'],
    ['no record', '\n\n', 'ndjson'],
  ])('%s', async (_what, content, layout) => {
    expect(await expectSameAsDuckDB(content, layout)).toBe(true);
  });

  test('stops at the limit: later records are neither read nor judged', async () => {
    const file = await fileOf('{"a":1}\n{"b":2}\n{"c":\n');
    expect(await plainRecords(file, 'ndjson', 2)).toEqual([{ a: 1 }, { b: 2 }]);
    const array = await fileOf('[{"a":1},{"b":2},{"c":3}] trailing');
    expect(await plainRecords(array, 'array', 2)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await expectSameAsDuckDB('[{"a":1},{"b":2},{"c":', 'array', 2)).toBe(true);
  });

  test('records and characters across read chunks', async () => {
    // Records of every length around the 256 KiB chunk, with a two-byte character at each cut.
    const records = Array.from({ length: 40 }, (_, i) => ({ [`k${i}`]: 'é'.repeat(13_000 + i * 7) }));
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    expect(await expectSameAsDuckDB(ndjson, 'ndjson', 1000)).toBe(true);
    expect(await expectSameAsDuckDB(JSON.stringify(records), 'array', 1000)).toBe(true);
    expect(await expectSameAsDuckDB(JSON.stringify(records), 'array', 25)).toBe(true);
  });
});

describe('anything else is left to DuckDB', () => {
  test.each<[string, string | Uint8Array, Layout]>([
    ['a malformed record', '{"a":1}\n{"a":\n', 'ndjson'],
    ['a record over two lines', '{"a":\n1}\n', 'ndjson'],
    ['two records on a line', '{"a":1} {"b":2}\n', 'ndjson'],
    ['NaN, which DuckDB reads and JSON.parse does not', '{"a":NaN}\n', 'ndjson'],
    ['a trailing comma', '{"a":1,}\n', 'ndjson'],
    ['a lone escaped surrogate', '{"a":"\\ud800"}\n', 'ndjson'],
    ['a form feed before a record', '\f{"a":1}\n', 'ndjson'],
    ['CR alone between records', '{"a":1}\r{"b":2}\r', 'ndjson'],
    ['a byte order mark', '\uFEFF{"a":1}\n', 'ndjson'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]), 'ndjson'],
    ['a scalar record', '[{"a":1}, 5]', 'array'],
    ['a nested array record', '[[{"a":1}]]', 'array'],
    ['a trailing comma in the array', '[{"a":1},]', 'array'],
    ['bytes after the array', '[{"a":1}] x', 'array'],
    ['an unterminated array', '[{"a":1}', 'array'],
    ['a second array', '[{"a":1}][{"b":2}]', 'array'],
  ])('%s', async (_what, content, layout) => {
    const file = await fileOf(content);
    expect(await plainRecords(file, layout, 100)).toBeUndefined();
  });

  test(`a sample over ${MAX_SAMPLE_BYTES} bytes`, async () => {
    const big = JSON.stringify({ a: 'x'.repeat(MAX_SAMPLE_BYTES) });
    expect(await plainRecords(await fileOf(big + '\n{"b":1}\n'), 'ndjson', 2)).toBeUndefined();
    expect(await plainRecords(await fileOf(`[${big}]`), 'array', 2)).toBeUndefined();
  });
});

describe('the columns of a sample that is read here', () => {
  const deep = `{"a":${'['.repeat(70)}${']'.repeat(70)}}`;

  test('are learnt as from DuckDB’s records, nested and in first-seen order', async () => {
    const file = await fileOf('{"b":1,"a":{"x":1,"y":{}}}\n{"c":[{"d":1}],"a":{"z":null}}\n');
    const source = await jsonSource(connection, file, 'ndjson', ['b']);
    expect(source.columns.map((c) => c.name)).toEqual(['b', 'a.x', 'a.y', 'c', 'a.z']);
  });

  test('a record nesting too deep is the error when every later record parses', async () => {
    const file = await fileOf(`{"a":1}\n${deep}\n{"a":NaN}\n`);
    await expect(jsonSource(connection, file, 'ndjson', ['a'])).rejects.toThrow(/record 2: .*nest deeper/);
  });

  test('a later record DuckDB cannot read is the error, as DuckDB reads the sample first', async () => {
    const file = await fileOf(`{"a":1}\n${deep}\n{"a":1,,}\n`);
    await expect(jsonSource(connection, file, 'ndjson', ['a'])).rejects.toThrow(/Malformed JSON/);
  });
});

test('random documents: DuckDB’s records whenever read here (fixed seed)', async () => {
  const key = fc.oneof(
    fc.constantFrom('a', 'b', 'a.b', '', '{', '"', '\\', 'é'),
    fc.string({ maxLength: 4 }),
  );
  const record = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  const space = fc.constantFrom('', ' ', '\t', '\r', '\n', '\r\n', '\f');
  let read = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(record, space, space), { maxLength: 12 }),
      fc.constantFrom<Layout>('ndjson', 'array'),
      fc.integer({ min: 1, max: 15 }),
      fc.boolean(),
      async (records, layout, limit, textual) => {
        // Records as JSON.stringify writes them, or with escapes of their own where the text has them.
        const texts = records.map(([r]) =>
          textual ? JSON.stringify(r).replaceAll('é', '\\u00e9') : JSON.stringify(r),
        );
        const content =
          layout === 'ndjson'
            ? records
                .map(([, before, after], i) => `${before.replace('\n', '')}${texts[i]}${after}\n`)
                .join('')
            : `${records[0]?.[1] ?? ''}[${records.map(([, before, after], i) => `${before}${texts[i]}${after}`).join(',')}]`;
        if (await expectSameAsDuckDB(content, layout, limit)) read++;
      },
    ),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed: 20261203 },
  );
  // Most random documents are plain: the comparison above ran on them.
  expect(read).toBeGreaterThan(20);
});
