/**
 * JSON and NDJSON rows rendered in SQL (lib/engine/json-rows.ts) must be byte
 * for byte what DuckDB's JSON writer writes for the same query when each
 * DOUBLE is given as the JSON value of its JavaScript text (the engine's
 * previous output): escapes, controls, non-ASCII, nulls, exact integers and
 * decimals, every branch of the number text, odd column names, order,
 * several chunks, no row at all.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectTo } from '../../lib/engine/database.js';
import { writeResult, type OutColumn } from '../../lib/engine/output.js';
import { JobRunner } from '../../lib/engine/runner.js';
import { Params, quoteIdent } from '../../lib/engine/sql.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let storage: Storage;
let connection: DuckDBConnection;
let runner: JobRunner;
let outputs = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'json-rows-'));
  storage = new Storage(root);
  connection = await connectTo(await storage.realRoot());
  runner = new JobRunner(connection, {}, 1);
  await connection.run(`CREATE TEMP TABLE t AS SELECT * FROM (VALUES
    (1, '"q" \\ / x,y', 1325376000000000001::BIGINT, 170141183460469231731687303715884105727::HUGEINT, true, 0.1::DOUBLE + 0.2::DOUBLE, 12.50::DECIMAL(10,2)),
    (2, 'cr' || chr(13) || chr(10) || 'lf' || chr(10) || 'next', -5::BIGINT, NULL, false, -0.0::DOUBLE, -0.01::DECIMAL(10,2)),
    (3, 'bell' || chr(7) || ' nul' || chr(0) || ' ' || chr(8232) || chr(65535) || ' tab' || chr(9) || chr(31), NULL, -1::HUGEINT, NULL, 1e21::DOUBLE, NULL),
    (4, '', 0::BIGINT, 0::HUGEINT, true, 'NaN'::DOUBLE, 0::DECIMAL(10,2)),
    (5, NULL, 9007199254740993::BIGINT, NULL, false, 1e-7::DOUBLE, 1::DECIMAL(10,2)),
    (6, 'café ✓ 😀, a;b', 42::BIGINT, 7::HUGEINT, NULL, NULL, NULL),
    (7, '[1,{"a":2}]', 1::BIGINT, 1::HUGEINT, true, 'Infinity'::DOUBLE, NULL),
    (8, '{}', 2::BIGINT, 2::HUGEINT, true, 123456789012345.6::DOUBLE, NULL),
    (9, 'x', 3::BIGINT, 3::HUGEINT, true, -9007199254740993::DOUBLE, NULL),
    (10, 'y', 4::BIGINT, 4::HUGEINT, true, 1.5e300::DOUBLE, NULL),
    (11, 'z', 5::BIGINT, 5::HUGEINT, true, 5e-324::DOUBLE, NULL),
    (12, 'w', 6::BIGINT, 6::HUGEINT, true, 0.00001234::DOUBLE, NULL),
    (13, 'v', 7::BIGINT, 7::HUGEINT, true, 1e15::DOUBLE, NULL),
    (14, 'u', 8::BIGINT, 8::HUGEINT, true, 1e16::DOUBLE, NULL),
    (15, 't', 9::BIGINT, 9::HUGEINT, true, -339.468083::DOUBLE, NULL)
  ) v(o, "a b", "big", "huge", "flag", "d", "dec")`);
  // Random doubles over many magnitudes, integers among them (a fixed seed: the same values each run).
  await connection.run('SELECT setseed(0.42)');
  await connection.run(`CREATE TEMP TABLE r AS
    SELECT range AS o, CASE WHEN range % 7 = 0 THEN round((random() - 0.5) * 1e6)
      ELSE (random() - 0.5) * pow(10, (range % 44) - 22) END AS d,
      CAST(range AS VARCHAR) || chr(CAST(range % 200 AS INTEGER) + 1) AS s
    FROM range(5000)`);
});

afterAll(async () => {
  runner.dispose();
  connection.closeSync();
  await rm(root, { recursive: true, force: true });
});

const COLUMNS: OutColumn[] = [
  { name: 'a b', expr: '"a b"', double: false },
  { name: 'big', expr: '"big"', double: false },
  { name: 'huge', expr: '"huge"', double: false },
  { name: 'flag', expr: '"flag"', double: false },
  { name: 'd', expr: '"d"', double: true },
  { name: 'dec', expr: '"dec"', double: false },
  { name: 'qu"ote\\ é\nx', expr: '"o"', double: false },
];

/** The result written through writeResult and through DuckDB's JSON writer, as the engine did before. */
async function bothWays(
  format: 'json' | 'ndjson',
  columns: readonly OutColumn[],
  from: string,
  where?: string,
  orderBy?: string,
): Promise<{ engine: string; duckdb: string; rows: number }> {
  const output = `out-${++outputs}.${format}`;
  const query = {
    columns,
    from,
    params: new Params(),
    ...(where !== undefined && { where }),
    ...(orderBy !== undefined && { orderBy }),
  };
  const { rows } = await writeResult(runner, storage, output, format, query);
  const engine = await readFile(path.join(root, output), 'utf8');
  const select = columns.map(
    (c) => `${c.double ? `CAST(df_numtext(${c.expr}) AS JSON)` : c.expr} AS ${quoteIdent(c.name)}`,
  );
  const sql =
    `SELECT ${select.join(', ')} FROM ${from}` +
    (where !== undefined ? ` WHERE ${where}` : '') +
    (orderBy !== undefined ? ` ORDER BY ${orderBy}` : '');
  const target = path.join(root, `duckdb-${outputs}.${format}`);
  await connection.run(
    `COPY (${sql}) TO '${target}' (FORMAT json${format === 'json' ? ', ARRAY true' : ''})`,
  );
  return { engine, duckdb: await readFile(target, 'utf8'), rows };
}

test.each(['json', 'ndjson'] as const)(
  'writes %s rows with the bytes of DuckDB’s JSON writer: escapes, nulls, exact and double numbers',
  async (format) => {
    const { engine, duckdb, rows } = await bothWays(format, COLUMNS, 't', undefined, 'o');
    expect(rows).toBe(15);
    expect(engine).toBe(duckdb);
  },
);

test.each(['json', 'ndjson'] as const)(
  'writes %s rows over several chunks in order, random magnitudes and controls included',
  async (format) => {
    const columns: OutColumn[] = [
      { name: 'o', expr: 'o', double: false },
      { name: 'd', expr: 'd', double: true },
      { name: 's', expr: 's', double: false },
    ];
    const { engine, duckdb, rows } = await bothWays(format, columns, 'r', 'o % 3 <> 1', 'o');
    expect(rows).toBe(3333);
    expect(engine).toBe(duckdb);
  },
);

test.each(['json', 'ndjson'] as const)('writes a %s result of no rows as DuckDB does', async (format) => {
  const { engine, duckdb, rows } = await bothWays(format, COLUMNS, 't', 'o < 0');
  expect(rows).toBe(0);
  expect(engine).toBe(duckdb);
});
