/**
 * Parquet writer: files written through a real Storage are read back by
 * hyparquet and, independently, by DuckDB, with the same values and nulls.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as aq from 'arquero';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Storage } from '../../lib/storage/storage.js';
import type { ColumnSpec, Scalar } from '../../lib/types.js';
import { ParquetTableWriter, parquetSchema } from '../../lib/writers/index.js';
import { MemorySink, writeTables } from './support/write-table.js';

let base: string;
let storage: Storage;
let db: DuckDBConnection;
let counter = 0;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'writers-parquet-'));
  storage = new Storage(base);
  db = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  db.closeSync();
  await rm(base, { recursive: true, force: true });
});

const SCHEMA: ColumnSpec[] = [
  { name: 'id', type: 'number' },
  { name: 'name', type: 'string' },
  { name: 'price', type: 'number' },
  { name: 'ok', type: 'boolean' },
  { name: 'address.city', type: 'string' },
];

/** Raw cells as readers give them, including text that must be coerced. */
const RAW = {
  id: [1, '2', 3, 4, null, 6],
  name: ['plain', 'a,b "q"', 'line1\nline2', 'café 😀 — a name longer than sixteen bytes', null, ''],
  price: ['1.50', 0.1 + 0.2, 1e21, -0, null, 'not a number'],
  ok: [true, 'FALSE', null, false, 'TRUE', 'maybe'],
  'address.city': [null, 'Zürich', 42, true, 'Paris', 'Lyon'],
};

/** The rows every reader must see: cells coerced to the schema types. */
const EXPECTED: Record<string, Scalar>[] = [
  { id: 1, name: 'plain', price: 1.5, ok: true, 'address.city': null },
  { id: 2, name: 'a,b "q"', price: 0.1 + 0.2, ok: false, 'address.city': 'Zürich' },
  { id: 3, name: 'line1\nline2', price: 1e21, ok: null, 'address.city': '42' },
  { id: 4, name: 'café 😀 — a name longer than sixteen bytes', price: -0, ok: false, 'address.city': 'true' },
  { id: null, name: null, price: null, ok: true, 'address.city': 'Paris' },
  { id: 6, name: '', price: null, ok: null, 'address.city': 'Lyon' },
];

async function write(schema: readonly ColumnSpec[], batches: aq.ColumnTable[], rowGroupSize?: number) {
  const { file } = await writeTables(
    storage,
    `pq/t${++counter}.parquet`,
    'parquet',
    schema,
    batches,
    (sink) =>
      rowGroupSize === undefined
        ? new ParquetTableWriter(sink, schema)
        : new ParquetTableWriter(sink, schema, rowGroupSize),
  );
  return file;
}

async function readHyparquet(file: string): Promise<{ rows: Record<string, unknown>[]; meta: FileMetaData }> {
  const buffer = await asyncBufferFromFile(file);
  const meta = await parquetMetadataAsync(buffer);
  const rows = await parquetReadObjects({ file: buffer, metadata: meta, compressors });
  return { rows, meta };
}

async function readDuckdb(file: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(`select * from read_parquet('${file.replace(/'/g, "''")}')`);
  return reader.getRowObjectsJS();
}

async function duckdbTypes(file: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(
    `select column_name, column_type from (describe select * from read_parquet('${file.replace(/'/g, "''")}'))`,
  );
  return reader.getRowObjectsJS();
}

test('hyparquet reads back the coerced values and nulls, -0 included', async () => {
  const file = await write(SCHEMA, [aq.table(RAW)]);
  const { rows, meta } = await readHyparquet(file);
  expect(rows).toEqual(EXPECTED);
  expect(Object.is(rows[3]!.price, -0)).toBe(true);
  expect(meta.num_rows).toBe(6n);
  expect(meta.schema.slice(1).map((e) => [e.name, e.type, e.converted_type, e.repetition_type])).toEqual([
    ['id', 'DOUBLE', undefined, 'OPTIONAL'],
    ['name', 'BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
    ['price', 'DOUBLE', undefined, 'OPTIONAL'],
    ['ok', 'BOOLEAN', undefined, 'OPTIONAL'],
    ['address.city', 'BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
  ]);
});

test('DuckDB, an independent reader, sees the same values, nulls and types', async () => {
  const file = await write(SCHEMA, [aq.table(RAW)]);
  expect(await readDuckdb(file)).toEqual(EXPECTED);
  expect(await duckdbTypes(file)).toEqual([
    { column_name: 'id', column_type: 'DOUBLE' },
    { column_name: 'name', column_type: 'VARCHAR' },
    { column_name: 'price', column_type: 'DOUBLE' },
    { column_name: 'ok', column_type: 'BOOLEAN' },
    { column_name: 'address.city', column_type: 'VARCHAR' },
  ]);
});

test('batches are regrouped into row groups of the configured size', async () => {
  const t = aq.table(RAW);
  const batches = [t.slice(0, 1), t.slice(1, 4), t.slice(4)];
  const file = await write(SCHEMA, batches, 4);
  const { rows, meta } = await readHyparquet(file);
  expect(meta.row_groups.map((g) => g.num_rows)).toEqual([4n, 2n]);
  expect(rows).toEqual(EXPECTED);
  expect(await readDuckdb(file)).toEqual(EXPECTED);
});

test('a filtered batch contributes only its visible rows', async () => {
  const t = aq.table({ k: ['a', 'b', 'c', 'd'], v: [1, 2, 3, 4] });
  const schema: ColumnSpec[] = [
    { name: 'k', type: 'string' },
    { name: 'v', type: 'number' },
  ];
  const file = await write(schema, [t.filter('d => d.v > 2'), t.filter('d => d.v === 1')], 2);
  const expected = [
    { k: 'c', v: 3 },
    { k: 'd', v: 4 },
    { k: 'a', v: 1 },
  ];
  expect((await readHyparquet(file)).rows).toEqual(expected);
  expect(await readDuckdb(file)).toEqual(expected);
});

test('a column missing from a batch is written as nulls', async () => {
  const schema: ColumnSpec[] = [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'string' },
  ];
  const file = await write(schema, [aq.table({ a: [1] }), aq.table({ b: ['x'], a: [2] })]);
  expect(await readDuckdb(file)).toEqual([
    { a: 1, b: null },
    { a: 2, b: 'x' },
  ]);
});

test('an empty result is a valid file with the schema and no rows', async () => {
  const file = await write(SCHEMA, []);
  const { rows, meta } = await readHyparquet(file);
  expect(rows).toEqual([]);
  expect(meta.row_groups).toHaveLength(0);
  expect(await readDuckdb(file)).toEqual([]);
  expect((await duckdbTypes(file)).map((r) => r.column_name)).toEqual(SCHEMA.map((c) => c.name));
});

test('parquetSchema maps column types to OPTIONAL DOUBLE, BOOLEAN and UTF-8 columns', () => {
  expect(parquetSchema([{ name: 'n', type: 'number' }])).toEqual([
    { name: 'root', num_children: 1 },
    { name: 'n', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ]);
});

test('the row group size must be a positive integer', () => {
  expect(() => new ParquetTableWriter({ write: async () => undefined }, SCHEMA, 0)).toThrow(RangeError);
});

test('each full row group reaches the sink before close, the footer at close', async () => {
  const sink = new MemorySink();
  const schema: ColumnSpec[] = [{ name: 'v', type: 'number' }];
  const writer = new ParquetTableWriter(sink, schema, 2);
  await writer.write(aq.table({ v: [1, 2, 3] }));
  const before = sink.chunks.length;
  expect(before).toBeGreaterThan(0);
  expect(new TextDecoder().decode((sink.chunks[0] as Uint8Array).subarray(0, 4))).toBe('PAR1');
  await writer.close();
  expect(sink.chunks.length).toBeGreaterThan(before);
  const last = sink.chunks.at(-1) as Uint8Array;
  expect(new TextDecoder().decode(last.subarray(last.length - 4))).toBe('PAR1');
});
