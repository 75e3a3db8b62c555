/**
 * Writes the Parquet fixtures of the reader tests with DuckDB (an
 * independent writer), and beside them what DuckDB itself reads back from
 * each file, formatted by DuckDB's SQL the way the engine's reader must give
 * it. The files are small and checked in, so the tests need no DuckDB to
 * run; rerun this after changing it:
 *
 *     npx tsx scripts/make-parquet-fixtures.ts
 *
 * Files (tests/fixtures/readers-parquet/):
 * - `types-<codec>.parquet`: every common type, nulls everywhere, for the
 *   codecs snappy, zstd, gzip, brotli, lz4 (same rows); `types.expected.json`
 * - `groups.parquet`: 5,000 rows in three row groups, zstd
 * - `nested.parquet`: structs (flattened), lists and maps (JSON text);
 *   `nested.expected.json`
 * - `interval.parquet`: an INTERVAL column, which the engine reads as text
 * - `empty.parquet`: columns but no rows
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'tests',
  'fixtures',
  'readers-parquet',
);

/** Codecs DuckDB writes; the reader must decode them all. */
const CODECS = ['snappy', 'zstd', 'gzip', 'brotli', 'lz4'] as const;

/** Eight rows of every type: extremes, pre-1970 instants, accents, nulls in each column. */
const TYPES = `
SELECT * FROM (VALUES
  (1, 10::BIGINT, 9007199254740993::BIGINT, 1.5::DOUBLE, 12.34::DECIMAL(10,2), 12345678901234.5678::DECIMAL(38,4),
   DATE '2024-02-29', TIMESTAMP '2024-01-01 12:30:00.123456', TIMESTAMPTZ '2024-01-01 12:30:00.5+00',
   TIMESTAMP_MS '2024-01-01 12:30:00.123', TIMESTAMP_NS '2024-01-01 12:30:00.123456789', TIME '12:34:56.789012',
   true, 'Zoë & Léa', '\\x00\\xFFabc'::BLOB, '4ac7a9e4-2a4d-4b2a-9c4e-0c3a1f2b3d4e'::UUID, 'b', -5::TINYINT,
   18446744073709551615::UBIGINT, 0.5::FLOAT),
  (2, -9007199254740991::BIGINT, -9007199254740993::BIGINT, -0.25, -0.01, -1.0001,
   DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMPTZ '1900-01-01 00:00:00+00',
   TIMESTAMP_MS '1960-06-15 08:00:00.5', TIMESTAMP_NS '1969-12-31 23:59:59.999999999', TIME '00:00:00',
   false, 'città 😀', ''::BLOB, NULL, 'a', 127::TINYINT, 0::UBIGINT, -2.25::FLOAT),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 0, 0, 'NaN'::DOUBLE, 0, 0, DATE '0001-01-01', TIMESTAMP '9999-12-31 23:59:59.999999',
   TIMESTAMPTZ '2262-04-11 23:47:16.854775+00', TIMESTAMP_MS '2000-02-29 00:00:00', TIMESTAMP_NS '2200-06-30 12:00:00.000000001',
   TIME '23:59:59.999999', NULL, '', 'plain'::BLOB, '00000000-0000-0000-0000-000000000000'::UUID, NULL, NULL, NULL, NULL),
  (5, 4611686018427387904, 9223372036854775807, 1e308, 99999999.99, 99999999999999999999999999999999.9999,
   DATE '2262-04-11', NULL, NULL, NULL, NULL, NULL, true, 'a "quoted" <tag>', NULL, NULL, 'a', 0, 9007199254740992, 3.0),
  (6, -1, -9223372036854775808, 5e-324, 0.5, 0.5, NULL, TIMESTAMP '1970-01-01 00:00:00', TIMESTAMPTZ '1970-01-01 00:00:00+00',
   TIMESTAMP_MS '1970-01-01 00:00:00', TIMESTAMP_NS '1970-01-01 00:00:00', TIME '00:00:00.000001',
   false, 'line\nbreak\ttab', NULL, NULL, 'b', NULL, NULL, NULL),
  (7, NULL, 123, 'Infinity'::DOUBLE, NULL, NULL, DATE '1970-01-01', NULL, NULL, NULL,
   TIMESTAMP_NS '1900-01-01 00:00:00.000000001', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (8, 7, 7, 0.1, 0.1, 0.1, DATE '2000-01-01', TIMESTAMP '2000-01-01 00:00:00.000001', NULL, NULL, NULL, NULL, true, 'ü', NULL, NULL, NULL, 1, 1, 1)
) t(id, small, big, dbl, dec, dec38, day, ts, tstz, ts_ms, ts_ns, tm, ok, label, bin, uid, en, tiny, ubig, flt)`;

/** The expected values, formatted by DuckDB: ISO text for instants, base64 for binary. */
const TYPES_EXPECTED = `
SELECT id, small::VARCHAR AS small, big::VARCHAR AS big, dbl, dec::DOUBLE AS dec, dec38::DOUBLE AS dec38,
  strftime(day, '%Y-%m-%d') AS day,
  strftime(ts, '%Y-%m-%dT%H:%M:%S.%f') AS ts,
  strftime(tstz, '%Y-%m-%dT%H:%M:%S.%fZ') AS tstz,
  strftime(ts_ms, '%Y-%m-%dT%H:%M:%S.%g') AS ts_ms,
  strftime(ts_ns, '%Y-%m-%dT%H:%M:%S.%n') AS ts_ns,
  strftime(DATE '2000-01-01' + tm, '%H:%M:%S.%f') AS tm,
  ok, label, to_base64(bin) AS bin, uid::VARCHAR AS uid, en::VARCHAR AS en, tiny, ubig::VARCHAR AS ubig, flt::DOUBLE AS flt
FROM read_parquet(?) ORDER BY id`;

const NESTED = `
SELECT * FROM (VALUES
  (1, {'city': 'Lyon', 'geo': {'lat': 45.76::DOUBLE, 'lon': 4.84::DOUBLE}}, [1, 2, 3], ['a', NULL], MAP {'x': 1, 'y': 2}),
  (2, NULL, [], NULL, MAP {}),
  (3, {'city': NULL, 'geo': NULL}, NULL, ['é'], NULL),
  (4, {'city': 'Zoë', 'geo': {'lat': NULL, 'lon': -1.5::DOUBLE}}, [NULL], [], MAP {'k': NULL})
) t(id, address, nums, words, counts)`;

const NESTED_EXPECTED = `
SELECT id, address.city AS "address.city", address.geo.lat AS "address.geo.lat", address.geo.lon AS "address.geo.lon",
  to_json(nums)::VARCHAR AS nums, to_json(words)::VARCHAR AS words, to_json(counts)::VARCHAR AS counts
FROM read_parquet(?) ORDER BY id`;

/** A DuckDB value as the engine's scalar: integers exact or as text, NaN as null. */
function scalar(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return String(v);
}

/** Integer columns that DuckDB gives back as text (to keep them exact) and the reader as numbers when safe. */
const EXACT_INTEGERS = new Set(['small', 'big', 'ubig']);

async function expected(db: DuckDBConnection, sql: string, file: string): Promise<Record<string, unknown>[]> {
  const prepared = await db.prepare(sql);
  prepared.bindVarchar(1, file);
  const rows = (await prepared.runAndReadAll()).getRowObjects();
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        if (EXACT_INTEGERS.has(k) && typeof v === 'string') return [k, scalar(BigInt(v))];
        // JSON cannot hold infinities: they are written as text and restored by the test.
        if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)) return [k, String(v)];
        return [k, scalar(v)];
      }),
    ),
  );
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`SET TimeZone = 'UTC'`);
  await db.run(`CREATE TABLE types AS ${TYPES}`);
  // VALUES unifies each column's type: the declared types are set again here.
  await db.run(`CREATE TABLE types_enum AS SELECT * REPLACE (
    id::INTEGER AS id, small::BIGINT AS small, big::BIGINT AS big, dbl::DOUBLE AS dbl, dec::DECIMAL(10, 2) AS dec,
    dec38::DECIMAL(38, 4) AS dec38, en::ENUM('a', 'b') AS en, tiny::TINYINT AS tiny, ubig::UBIGINT AS ubig,
    flt::FLOAT AS flt) FROM types`);
  for (const codec of CODECS) {
    const file = path.join(OUT, `types-${codec}.parquet`);
    await db.run(`COPY types_enum TO '${file}' (FORMAT parquet, COMPRESSION ${codec})`);
  }
  const types = await expected(db, TYPES_EXPECTED, path.join(OUT, 'types-zstd.parquet'));
  await writeFile(path.join(OUT, 'types.expected.json'), `${JSON.stringify(types, null, 1)}\n`);

  await db.run(
    `COPY (SELECT i::INTEGER AS i, i * 1.5 AS half, 'r' || i AS label FROM range(5000) t(i))
     TO '${path.join(OUT, 'groups.parquet')}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`,
  );

  const nestedFile = path.join(OUT, 'nested.parquet');
  await db.run(`COPY (${NESTED}) TO '${nestedFile}' (FORMAT parquet)`);
  const nested = await expected(db, NESTED_EXPECTED, nestedFile);
  await writeFile(path.join(OUT, 'nested.expected.json'), `${JSON.stringify(nested, null, 1)}\n`);

  await db.run(
    `COPY (SELECT 1 AS id, INTERVAL 2 DAY AS wait) TO '${path.join(OUT, 'interval.parquet')}' (FORMAT parquet)`,
  );
  await db.run(
    `COPY (SELECT 1::INTEGER AS id, 'x' AS label WHERE false) TO '${path.join(OUT, 'empty.parquet')}' (FORMAT parquet)`,
  );
  db.closeSync();
  console.log(`fixtures written to ${path.relative(process.cwd(), OUT)}`);
}

await main();
