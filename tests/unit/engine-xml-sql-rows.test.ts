/**
 * XML records rendered by DuckDB (lib/engine/xml/sql-rows.ts) must be byte for
 * byte what the general writer (writeXmlResult) writes for the same query:
 * escaping, control characters, empty and null cells, CSV-special characters
 * (DuckDB's CSV writer writes the lines), names made valid, order, several
 * chunks, no row at all.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectTo } from '../../lib/engine/database.js';
import { writeResult, type OutColumn } from '../../lib/engine/output.js';
import { JobRunner } from '../../lib/engine/runner.js';
import { Params } from '../../lib/engine/sql.js';
import { writeXmlResult, xmlRowsSql } from '../../lib/engine/xml/index.js';
import { Storage } from '../../lib/storage/storage.js';
import { MemorySink } from './support/memory-sink.js';

let root: string;
let storage: Storage;
let connection: DuckDBConnection;
let runner: JobRunner;
let outputs = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'xml-sql-rows-'));
  storage = new Storage(root);
  connection = await connectTo(await storage.realRoot());
  runner = new JobRunner(connection, {}, 1);
  await connection.run(`CREATE TEMP TABLE t AS SELECT * FROM (VALUES
    (1, '<tag> & "q" > x', 1325376000000000001::BIGINT, 170141183460469231731687303715884105727::HUGEINT, true, 0.1::DOUBLE + 0.2::DOUBLE),
    (2, 'cr' || chr(13) || chr(10) || 'lf' || chr(10) || 'next', -5::BIGINT, NULL, false, -0.0::DOUBLE),
    (3, 'bell' || chr(7) || ' nul' || chr(0) || ' ' || chr(65534) || chr(65535) || ' tab' || chr(9), NULL, -1::HUGEINT, NULL, 1e21::DOUBLE),
    (4, '', 0::BIGINT, 0::HUGEINT, true, 'NaN'::DOUBLE),
    (5, NULL, 18446744073709551615::UBIGINT::HUGEINT, NULL, false, 1e-7::DOUBLE),
    (6, 'café ✓ 😀, a;b "c"', 42::BIGINT, 7::HUGEINT, NULL, NULL)
  ) v(o, "a b", "a_b", "xml", "1st", "d")`);
});

afterAll(async () => {
  runner.dispose();
  connection.closeSync();
  await rm(root, { recursive: true, force: true });
});

const COLUMNS: OutColumn[] = [
  { name: 'a b', expr: '"a b"', double: false },
  { name: 'a_b', expr: '"a_b"', double: false },
  { name: 'xml', expr: '"xml"', double: false },
  { name: '1st', expr: '"1st"', double: false },
  { name: 'd', expr: '"d"', double: true },
];

/** The result written through writeResult (the engine's path) and through the general writer. */
async function bothWays(
  columns: readonly OutColumn[],
  from: string,
  where?: string,
  orderBy?: string,
): Promise<{ engine: string; general: string; rows: number }> {
  const output = `out-${++outputs}.xml`;
  const query = {
    columns,
    from,
    params: new Params(),
    ...(where !== undefined && { where }),
    ...(orderBy !== undefined && { orderBy }),
  };
  const { rows } = await writeResult(runner, storage, output, 'xml', query);
  const engine = await readFile(path.join(root, output), 'utf8');
  const select = columns.map((c) => `${c.double ? `df_numtext(${c.expr})` : c.expr} AS "${c.name}"`);
  const sql =
    `SELECT ${select.join(', ')} FROM ${from}` +
    (where !== undefined ? ` WHERE ${where}` : '') +
    (orderBy !== undefined ? ` ORDER BY ${orderBy}` : '');
  const sink = new MemorySink();
  await writeXmlResult(await connection.stream(sql), sink);
  return { engine, general: sink.text(), rows };
}

test('renders text, integers, booleans and numbers as the general writer does, escapes and nulls included', async () => {
  const { engine, general, rows } = await bothWays(COLUMNS, 't', undefined, 'o');
  expect(rows).toBe(6);
  expect(engine).toBe(general);
  expect(engine).toContain('<row><a_b_2>&lt;tag&gt; &amp; "q" &gt; x</a_b_2><a_b>1325376000000000001</a_b>');
  expect(engine).toContain('<a_b_2>cr&#13;\nlf\nnext</a_b_2>');
  expect(engine).toContain('<a_b_2></a_b_2>');
});

test('keeps the order of ORDER BY, over several chunks', async () => {
  const { engine, general, rows } = await bothWays(
    [
      { name: 'i', expr: 'i', double: false },
      { name: 's', expr: "'r' || i", double: false },
    ],
    'range(5000) r(i)',
    'i % 7 <> 3',
    'i DESC',
  );
  expect(rows).toBe(5000 - 714);
  expect(engine).toBe(general);
  expect(engine.split('\n')[2]).toBe('<row><i>4999</i><s>r4999</s></row>');
});

test('writes the empty document when no row is kept', async () => {
  const { engine, general, rows } = await bothWays(COLUMNS, 't', 'o > 100');
  expect(rows).toBe(0);
  expect(engine).toBe(general);
  expect(engine).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n</rows>\n');
});

test('leaves dates, decimals and unconverted doubles to the general writer, with the same result', async () => {
  const columns: OutColumn[] = [
    { name: 'day', expr: "DATE '2024-02-29' + o::INTEGER", double: false },
    { name: 'dec', expr: 'CAST(o AS DECIMAL(10,2))', double: false },
    { name: 'raw', expr: 'd', double: false },
  ];
  const { engine, general } = await bothWays(columns, 't', undefined, 'o');
  expect(engine).toBe(general);
  expect(engine).toContain('<row><day>2024-03-01</day><dec>1.00</dec><raw>0.30000000000000004</raw></row>');
});

test('takes the DuckDB path only for text, boolean and integer columns', async () => {
  const types = (
    await connection.run('SELECT "a b", "a_b", "xml", "1st", d, DATE \'2024-01-01\' AS day FROM t LIMIT 0')
  ).columnTypes();
  const column = (
    j: number,
  ): { name: string; expr: string; type: (typeof types)[number]; plain: boolean } => ({
    name: `c${j}`,
    expr: `c${j}`,
    type: types[j]!,
    plain: false,
  });
  expect(xmlRowsSql([0, 1, 2, 3].map(column), new Params(), 'FROM t')).toBeDefined();
  expect(xmlRowsSql([0, 4].map(column), new Params(), 'FROM t')).toBeUndefined();
  expect(xmlRowsSql([0, 5].map(column), new Params(), 'FROM t')).toBeUndefined();
});
