/**
 * The Parquet reader on files written by DuckDB (scripts/make-parquet-fixtures.ts),
 * compared value for value with what DuckDB reads from the same files.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openParquetSource } from '../../lib/readers/parquet.js';
import { isoDate, isoTime, isoTimestamp } from '../../lib/readers/parquet-time.js';
import type { ReadOptions, Scalar } from '../../lib/types.js';
import { parseErrorOf } from './support/parse-error.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/readers-parquet/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);

type Row = Record<string, Scalar>;

async function readRows(
  file: string,
  options: ReadOptions = {},
): Promise<{ rows: Row[]; batches: number[][] }> {
  const rows: Row[] = [];
  const batches: number[][] = [];
  for await (const { table, firstRow } of openParquetSource(file, options).batches()) {
    batches.push([firstRow, table.numRows()]);
    rows.push(...(table.objects() as Row[]));
  }
  return { rows, batches };
}

/** Expected rows as DuckDB read them; JSON cannot hold infinities, so they were saved as text. */
async function expectedRows(name: string): Promise<Row[]> {
  const rows = JSON.parse(await readFile(fixture(name), 'utf8')) as Row[];
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v,
      ]),
    ),
  );
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readers-parquet-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parquet reader', () => {
  test.each(['snappy', 'zstd', 'gzip', 'brotli', 'lz4'])(
    'reads a %s file written by DuckDB exactly as DuckDB reads it back',
    async (codec) => {
      const { rows } = await readRows(fixture(`types-${codec}.parquet`));
      expect(rows).toEqual(await expectedRows('types.expected.json'));
    },
  );

  test('tells the columns and their types from the footer alone', async () => {
    const source = openParquetSource(fixture('types-zstd.parquet'), {});
    expect(await source.header()).toEqual([
      'id',
      'small',
      'big',
      'dbl',
      'dec',
      'dec38',
      'day',
      'ts',
      'tstz',
      'ts_ms',
      'ts_ns',
      'tm',
      'ok',
      'label',
      'bin',
      'uid',
      'en',
      'tiny',
      'ubig',
      'flt',
    ]);
    const types = Object.fromEntries((await source.knownTypes())!);
    expect(types).toEqual({
      id: 'number',
      small: 'number',
      big: 'number',
      dbl: 'number',
      dec: 'number',
      dec38: 'number',
      day: 'string',
      ts: 'string',
      tstz: 'string',
      ts_ms: 'string',
      ts_ns: 'string',
      tm: 'string',
      ok: 'boolean',
      label: 'string',
      bin: 'string',
      uid: 'string',
      en: 'string',
      tiny: 'number',
      ubig: 'number',
      flt: 'number',
    });
  });

  test('flattens structs to dotted names and keeps lists and maps as JSON text, as DuckDB gives them', async () => {
    const source = openParquetSource(fixture('nested.parquet'), {});
    expect(await source.header()).toEqual([
      'id',
      'address.city',
      'address.geo.lat',
      'address.geo.lon',
      'nums',
      'words',
      'counts',
    ]);
    expect((await source.knownTypes())!.get('address.geo.lat')).toBe('number');
    const { rows } = await readRows(fixture('nested.parquet'));
    expect(rows).toEqual(await expectedRows('nested.expected.json'));
  });

  test('converts the values inside lists and maps like top-level ones', async () => {
    const file = path.join(tmp, 'deep.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT [TIMESTAMP '2024-01-01 00:00:00.5', NULL] AS times,
        [{'n': 9007199254740993::BIGINT, 'd': DATE '2024-01-02', 'b': '\\x01\\x02'::BLOB}] AS items,
        MAP {'k': [1.5, NULL]} AS lists) TO '${file}' (FORMAT parquet)`,
    );
    db.closeSync();
    const { rows } = await readRows(file);
    expect(rows).toEqual([
      {
        times: '["2024-01-01T00:00:00.500000",null]',
        items: '[{"n":"9007199254740993","d":"2024-01-02","b":"AQI="}]',
        lists: '{"k":[1.5,null]}',
      },
    ]);
  });

  test('reads only the requested columns, struct fields included', async () => {
    const { rows } = await readRows(fixture('nested.parquet'), { columns: ['address.geo.lon', 'id'] });
    expect(rows).toEqual([
      { id: 1, 'address.geo.lon': 4.84 },
      { id: 2, 'address.geo.lon': null },
      { id: 3, 'address.geo.lon': null },
      { id: 4, 'address.geo.lon': -1.5 },
    ]);
  });

  test('still counts the rows when none of the requested columns exists', async () => {
    const { rows } = await readRows(fixture('groups.parquet'), { columns: ['nope'] });
    expect(rows).toHaveLength(5000);
  });

  test('cuts each row group into batches of at most batch_size rows, numbered from the first row', async () => {
    // DuckDB cuts its row groups at 2,048 rows: 2048 + 2048 + 904.
    const { rows, batches } = await readRows(fixture('groups.parquet'), { batch_size: 1000 });
    expect(batches).toEqual([
      [1, 1000],
      [1001, 1000],
      [2001, 48],
      [2049, 1000],
      [3049, 1000],
      [4049, 48],
      [4097, 904],
    ]);
    expect(rows.every((row, i) => row.i === i && row.half === i * 1.5 && row.label === `r${i}`)).toBe(true);
  });

  test('gives one batch per row group when row groups are smaller than the batch size', async () => {
    const { batches } = await readRows(fixture('groups.parquet'));
    expect(batches).toEqual([
      [1, 2048],
      [2049, 2048],
      [4097, 904],
    ]);
  });

  test('gives one empty batch with the columns for a file without rows', async () => {
    const batches = [];
    for await (const batch of openParquetSource(fixture('empty.parquet'), {}).batches()) batches.push(batch);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.table.columnNames()).toEqual(['id', 'label']);
    expect(batches[0]!.table.numRows()).toBe(0);
  });

  test('refuses a column of a type hyparquet cannot decode, naming it, and reads the others', async () => {
    const err = await parseErrorOf(readRows(fixture('interval.parquet')));
    expect(err.message).toMatch(/column "wait": INTERVAL values are not supported/);
    expect((await readRows(fixture('interval.parquet'), { columns: ['id'] })).rows).toEqual([{ id: 1 }]);
  });

  test('refuses binary noise, a truncated file and a corrupt page with parse_error', async () => {
    const noise = path.join(tmp, 'noise.parquet');
    await writeFile(noise, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    expect((await parseErrorOf(openParquetSource(noise, {}).header())).message).toMatch(
      /not a readable Parquet/,
    );

    const whole = await readFile(fixture('groups.parquet'));
    const truncated = path.join(tmp, 'truncated.parquet');
    await writeFile(truncated, whole.subarray(0, whole.length - 100));
    await parseErrorOf(readRows(truncated));

    // Garbage over the first page header, after the magic number: the footer is intact.
    const corrupt = Buffer.from(whole);
    corrupt.fill(0xa5, 4, 40);
    const file = path.join(tmp, 'corrupt.parquet');
    await writeFile(file, corrupt);
    const err = await parseErrorOf(readRows(file));
    expect(err.message).toMatch(/^row group 1 \(rows 1–2048\)/);
    expect(err.message).not.toContain(tmp);
  });

  test('refuses a footer whose column chunks do not match the schema', async () => {
    // The schema names `half` first; the chunks of each row group name it again: rename one chunk.
    const bytes = Buffer.from(await readFile(fixture('groups.parquet')));
    const footer = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
    const schemaName = bytes.indexOf('half', footer);
    const chunkName = bytes.indexOf('half', schemaName + 4);
    expect(chunkName).toBeGreaterThan(schemaName);
    bytes.write('hals', chunkName);
    const file = path.join(tmp, 'mismatch.parquet');
    await writeFile(file, bytes);
    const err = await parseErrorOf(openParquetSource(file, {}).header());
    expect(err.message).toMatch(/row group \d: its column chunks do not match the schema/);
  });

  test('agrees with DuckDB on a file with many row groups and dictionary pages', async () => {
    const file = path.join(tmp, 'random.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const select = `SELECT i, CASE WHEN hash(i) % 7 = 0 THEN NULL ELSE (hash(i) % 1000)::DOUBLE / 8 END AS x,
      ['red', 'green', 'blue'][(i % 3) + 1] AS colour, i % 5 = 0 AS flag FROM range(20000) t(i)`;
    await db.run(`COPY (${select}) TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 4096)`);
    const reader = await db.runAndReadAll(
      `SELECT count(*)::DOUBLE, count(x)::DOUBLE, sum(x), sum(CASE WHEN colour = 'blue' THEN i END)::DOUBLE,
        count(*) FILTER (flag)::DOUBLE FROM read_parquet('${file}')`,
    );
    const want = reader.getRows()[0]!.map(Number);
    db.closeSync();
    const { rows, batches } = await readRows(file, { batch_size: 3000 });
    expect(batches.length).toBeGreaterThan(5);
    const xs = rows.map((r) => r.x).filter((x): x is number => x !== null);
    const got = [
      rows.length,
      xs.length,
      xs.reduce((a, b) => a + b, 0),
      rows.filter((r) => r.colour === 'blue').reduce((a, r) => a + (r.i as number), 0),
      rows.filter((r) => r.flag === true).length,
    ];
    expect(got[0]).toBe(want[0]);
    expect(got[1]).toBe(want[1]);
    expect(got[2]).toBeCloseTo(want[2]!, 6);
    expect(got.slice(3)).toEqual(want.slice(3));
  });
});

describe('parquet value formats', () => {
  test('formats dates and instants exactly, before 1970 and beyond 2^53 units', () => {
    expect(isoDate(-719_162)).toBe('0001-01-01');
    expect(isoDate(2_932_896)).toBe('9999-12-31');
    expect(isoDate(1e12)).toBeNull();
    expect(isoTimestamp(-1n, 'NANOS', true)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(isoTimestamp(-2_208_988_799_999_999_999n, 'NANOS', false)).toBe('1900-01-01T00:00:00.000000001');
    expect(isoTimestamp(1_704_112_200_123n, 'MILLIS', true)).toBe('2024-01-01T12:30:00.123Z');
    expect(isoTimestamp(9_223_372_036_854_775_807n, 'MILLIS', true)).toBeNull();
    expect(isoTime(0, 'MILLIS')).toBe('00:00:00.000');
    expect(isoTime(86_399_999_999_999n, 'NANOS')).toBe('23:59:59.999999999');
  });
});
