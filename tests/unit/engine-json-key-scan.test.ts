/**
 * The byte scan listing the top-level keys a sample did not show
 * (lib/engine/json-key-scan.ts) must, whenever it answers, give exactly
 * the keys DuckDB's reader sees, in first-seen order: keys inside strings,
 * escaped quotes and backslashes, nested objects, keys first seen at the
 * last record, CRLF lines, records cut anywhere by its reads, and random
 * documents (fixed seed). It must not answer on a byte order mark or a
 * record that is not an object, which DuckDB's pass then judges.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectTo } from '../../lib/engine/database.js';
import { scanNewKeys } from '../../lib/engine/json-key-scan.js';
import { Params, rowsWith } from '../../lib/engine/sql.js';
import { Storage } from '../../lib/storage/storage.js';

type Layout = 'ndjson' | 'array';

let dir: string;
let connection: DuckDBConnection;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'json-key-scan-'));
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

/** The keys DuckDB's reader sees that are not in `known`, in first-seen order, or 'error'. */
async function duckdbNewKeys(
  file: string,
  layout: Layout,
  known: readonly string[],
): Promise<string[] | 'error'> {
  const params = new Params();
  const format = layout === 'ndjson' ? 'newline_delimited' : 'array';
  try {
    const rows = await rowsWith(
      connection,
      `SELECT json_keys(json) FROM read_json_objects(${params.text(file)}, format = '${format}')`,
      params,
    );
    const seen = new Set(known);
    const keys: string[] = [];
    for (const row of rows) {
      for (const key of (row[0] as string[] | null) ?? []) {
        if (!seen.has(key)) keys.push(key);
        seen.add(key);
      }
    }
    return keys;
  } catch {
    return 'error';
  }
}

/** The scan, once with its usual reads and once cut every `cut` bytes; both must agree. */
async function scan(
  file: string,
  layout: Layout,
  known: readonly string[],
  common: readonly string[] = known,
  cut = 5,
): Promise<string[] | undefined> {
  const whole = await scanNewKeys(file, layout, known, common);
  expect(await scanNewKeys(file, layout, known, common, cut)).toEqual(whole);
  return whole;
}

describe('keys of plain files, as DuckDB sees them', () => {
  test.each<[string, string, Layout, string[], string[]]>([
    ['a key inside a string is no key', '{"a":"\\"b\\":1,{\\"c\\":2}"}\n', 'ndjson', ['a'], []],
    [
      'escaped quotes and backslashes',
      '{"a":"x\\\\","c":"\\\\\\"","d\\"e":1}\n',
      'ndjson',
      ['a'],
      ['c', 'd"e'],
    ],
    [
      'nested objects and arrays keep their keys',
      '{"a":{"z":1,"y":{"w":[1,{"v":"}"}]}},"b":[{"u":2}]}\n',
      'ndjson',
      ['a'],
      ['b'],
    ],
    ['a key first seen at the last record', '{"a":1}\n{"a":2}\n{"a":3,"late":4}', 'ndjson', ['a'], ['late']],
    [
      'CRLF lines and blank lines',
      '{"a":1}\r\n\r\n  {"b":2} \r\n\t\r\n{"c":3}\r\n',
      'ndjson',
      ['a'],
      ['b', 'c'],
    ],
    [
      'first-seen order, a record’s own keys in order',
      '{"a":1,"z":1,"y":2}\n{"x":1,"y":2}\n',
      'ndjson',
      ['a'],
      ['z', 'y', 'x'],
    ],
    ['escaped spellings of keys', '{"\\u0061":1,"x\\u0041":2,"\\/":3}\n', 'ndjson', ['a'], ['xA', '/']],
    [
      'a key that begins or extends a common key',
      '{"id":1,"i":2,"idx":3,"id2":4}\n',
      'ndjson',
      ['id'],
      ['i', 'idx', 'id2'],
    ],
    [
      'white space inside records',
      '{ "a" : 1 , "b"\t:\t{ "c" : [ ] } , "d" : "x" }\n',
      'ndjson',
      ['a'],
      ['b', 'd'],
    ],
    ['non-ASCII keys', '{"clé":1,"東京":"🎉"}\n', 'ndjson', ['clé'], ['東京']],
    ['a trailing comma', '{"a":1,"b":2,}\n', 'ndjson', ['a'], ['b']],
    ['an array', ' [ {"a":1} ,\r\n\t{"b":{"c":1}},{"d":"],{"}\n]\n', 'array', ['a'], ['b', 'd']],
    ['an empty array', '[ ]', 'array', [], []],
    ['no record', '\n\n', 'ndjson', [], []],
  ])('%s', async (_what, content, layout, known, expected) => {
    const file = await fileOf(content);
    expect(await scan(file, layout, known)).toEqual(expected);
    expect(await duckdbNewKeys(file, layout, known)).toEqual(expected);
  });

  test('records longer than a read, cut in keys, values and escapes', async () => {
    const records = Array.from({ length: 60 }, (_, i) => ({
      [`k${i}${'q'.repeat(50 + i)}`]: `é\\"${'x'.repeat(i * 31)}`,
      id: i,
    }));
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    const expected = records.map((r) => Object.keys(r)[0]!).concat([]);
    const file = await fileOf(ndjson);
    for (const cut of [1, 2, 3, 7, 64, 333]) {
      expect(await scanNewKeys(file, 'ndjson', ['id'], ['id'], cut)).toEqual(expected);
    }
    const array = await fileOf(JSON.stringify(records));
    for (const cut of [1, 5, 64]) {
      expect(await scanNewKeys(array, 'array', ['id'], ['id'], cut)).toEqual(expected);
    }
  });
});

describe('anything else is left to DuckDB', () => {
  test.each<[string, string | Uint8Array, Layout]>([
    ['a byte order mark', '\uFEFF{"a":1}\n', 'ndjson'],
    ['a record that is not an object', '{"a":1}\nnull\n', 'ndjson'],
    ['a scalar element', '[{"a":1}, 5]', 'array'],
    ['a nested array element', '[[{"a":1}]]', 'array'],
    ['a trailing comma in the array', '[{"a":1},]', 'array'],
    ['bytes after the array', '[{"a":1}] x', 'array'],
    ['an unterminated array', '[{"a":1}', 'array'],
    ['an unterminated record', '{"a":1}\n{"b":', 'ndjson'],
    ['a record over two lines', '{"a":1}\n{"b":\n2}\n', 'ndjson'],
    ['a string over two lines', '{"a":"x\ny"}\n', 'ndjson'],
    ['a nested value over two lines', '{"a":[1,\n2]}\n', 'ndjson'],
    ['an escaped line feed that is raw', '{"a":"x\\\ny"}\n', 'ndjson'],
    ['two records on a line', '{"a":1} {"b":2}\n', 'ndjson'],
    ['CR alone between records', '{"a":1}\r{"b":2}\r', 'ndjson'],
    ['a form feed before a record', '\f{"a":1}\n', 'ndjson'],
    ['a key holding NUL', '{"a\\u0000":1}\n', 'ndjson'],
    ['a key holding a lone surrogate', '{"\\ud800":1}\n', 'ndjson'],
    ['a key that is not UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), 'ndjson'],
  ])('%s', async (_what, content, layout) => {
    expect(await scan(await fileOf(content), layout, [])).toBeUndefined();
  });
});

test('random documents: DuckDB’s keys whenever answered (fixed seed)', async () => {
  const key = fc.oneof(
    fc.constantFrom('a', 'b', 'id', 'i', 'a.b', '', '{', '"', '\\', 'é', ':', ','),
    fc.string({ maxLength: 4 }),
  );
  const record = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  const space = fc.constantFrom('', ' ', '\t', '\r\n', '\n');
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(record, space, space), { minLength: 1, maxLength: 12 }),
      fc.constantFrom<Layout>('ndjson', 'array'),
      fc.integer({ min: 0, max: 4 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 40 }),
      async (records, layout, sampled, textual, cut) => {
        const texts = records.map(([r]) =>
          textual ? JSON.stringify(r).replaceAll('é', '\\u00e9') : JSON.stringify(r),
        );
        const content =
          layout === 'ndjson'
            ? records
                .map(([, before, after], i) => `${before}${texts[i]}${after.replace('\n', '')}\n`)
                .join('')
            : `[${records.map(([, before, after], i) => `${before}${texts[i]}${after}`).join(',')}]`;
        // The sample: the keys of the first records; the common list: the first record's.
        const known = [...new Set(records.slice(0, sampled).flatMap(([r]) => Object.keys(r)))];
        const common = Object.keys(records[0]![0]);
        const file = await fileOf(content);
        const expected = await duckdbNewKeys(file, layout, known);
        const mine = await scan(file, layout, known, sampled > 0 ? common : [], cut);
        if (expected !== 'error' && mine !== undefined) {
          expect(mine).toEqual(expected);
          answered++;
        }
      },
    ),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 200), seed: 20261203 },
  );
  expect(answered).toBeGreaterThan(100);
});
