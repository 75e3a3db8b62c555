import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ParseError } from '../../lib/errors.js';
import { openParquetSource } from '../../lib/readers/parquet.js';
import type { Scalar } from '../../lib/types.js';

let dir: string;
let db: DuckDBConnection;

const SELECT = `SELECT i::INTEGER AS id,
  CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END AS amount,
  (9007199254740993 + i)::BIGINT AS big,
  (i * 10)::BIGINT AS small_big,
  (i / 4)::DECIMAL(10, 2) AS price,
  DATE '2024-02-28' + i::INTEGER AS day,
  TIMESTAMP '2024-01-01 12:30:00' + INTERVAL (i) HOUR AS at,
  i % 2 = 0 AS even,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'città ' || i END AS label
  FROM range(10) t(i)`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parquet-reader-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
  for (const codec of ['snappy', 'zstd', 'gzip', 'brotli', 'lz4']) {
    await db.run(
      `COPY (${SELECT}) TO '${path.join(dir, `${codec}.parquet`)}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 4)`,
    );
  }
});

afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  file: string,
  columns?: string[],
): Promise<{ rows: Record<string, Scalar>[]; batches: number }> {
  const rows: Record<string, Scalar>[] = [];
  let batches = 0;
  for await (const batch of openParquetSource(file, columns ? { columns } : {}).batches()) {
    batches++;
    rows.push(...(batch.table.objects() as Record<string, Scalar>[]));
  }
  return { rows, batches };
}

describe('parquet reader', () => {
  test.each(['snappy', 'zstd', 'gzip', 'brotli', 'lz4'])(
    'reads a %s file written by DuckDB, value for value',
    async (codec) => {
      const { rows } = await readAll(path.join(dir, `${codec}.parquet`));
      expect(rows).toHaveLength(10);
      expect(rows[1]).toEqual({
        id: 1,
        amount: 1.5,
        big: '9007199254740994',
        small_big: 10,
        price: 0.25,
        day: '2024-02-29',
        at: '2024-01-01T13:30:00.000Z',
        even: false,
        label: 'città 1',
      });
      expect(rows[0]).toMatchObject({ amount: null, label: null, even: true });
    },
  );

  test('delivers one batch per row group, numbered from the first row', async () => {
    // DuckDB cuts row groups at multiples of its 2,048-row vectors.
    const file = path.join(dir, 'groups.parquet');
    await db.run(`COPY (SELECT i FROM range(5000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const batches: [number, number][] = [];
    for await (const batch of openParquetSource(file, {}).batches()) {
      batches.push([batch.firstRow, batch.table.numRows()]);
    }
    expect(batches.length).toBeGreaterThan(1);
    let next = 1;
    for (const [firstRow, rows] of batches) {
      expect(firstRow).toBe(next);
      next += rows;
    }
    expect(next).toBe(5001);
  });

  test('reads only the requested columns', async () => {
    const { rows } = await readAll(path.join(dir, 'zstd.parquet'), ['label']);
    expect(Object.keys(rows[0]!)).toEqual(['label']);
  });

  test('tells its columns and their types from the footer alone', async () => {
    const source = openParquetSource(path.join(dir, 'zstd.parquet'), {});
    expect(await source.header()).toEqual([
      'id',
      'amount',
      'big',
      'small_big',
      'price',
      'day',
      'at',
      'even',
      'label',
    ]);
    const types = await source.knownTypes();
    expect(Object.fromEntries(types!)).toEqual({
      id: 'number',
      amount: 'number',
      big: 'number',
      small_big: 'number',
      price: 'number',
      day: 'string',
      at: 'string',
      even: 'boolean',
      label: 'string',
    });
  });

  test('keeps nested columns as JSON text', async () => {
    const file = path.join(dir, 'nested.parquet');
    await db.run(
      `COPY (SELECT 1 AS id, {'city': 'Lyon', 'zip': 69001} AS address, [1, 2] AS tags) TO '${file}' (FORMAT parquet)`,
    );
    const { rows } = await readAll(file);
    expect(rows).toEqual([{ id: 1, address: '{"city":"Lyon","zip":69001}', tags: '[1,2]' }]);
  });

  test('refuses binary noise and a truncated file with parse_error', async () => {
    const noise = path.join(dir, 'noise.parquet');
    await writeFile(noise, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await expect(openParquetSource(noise, {}).header()).rejects.toThrow(ParseError);
    const { readFile } = await import('node:fs/promises');
    const whole = await readFile(path.join(dir, 'snappy.parquet'));
    const truncated = path.join(dir, 'truncated.parquet');
    await writeFile(truncated, whole.subarray(0, whole.length - 100));
    await expect(readAll(truncated)).rejects.toThrow(ParseError);
  });
});
