import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agree } from '../../bench/cases.js';
import { parseFlatXml, readResult } from '../../bench/read-output.js';
import { checkSpillResult } from '../../bench/spill.js';

describe("the benchmark's agreement check", () => {
  test('accepts numbers within 1e-9 relative, equal text and equal nulls', () => {
    expect(agree([{ k: 'a', x: 1 + 1e-12, y: null }], [{ k: 'a', x: 1, y: null }])).toBe('yes');
    expect(agree([{ k: 'true', x: '2.5' }], [{ k: true, x: 2.5 }])).toBe('yes');
  });

  test('names the first difference: a number, a null, a text or the row count', () => {
    expect(agree([{ x: 1.001 }], [{ x: 1 }])).toBe('row 0 x: 1.001 vs 1');
    expect(agree([{ x: 0 }], [{ x: null }])).toBe('row 0 x: 0 vs null');
    expect(agree([{ x: null }], [{ x: 0 }])).toBe('row 0 x: null vs 0');
    expect(agree([{ k: 'b' }], [{ k: 'a' }])).toBe('row 0 k: b vs a');
    expect(agree([], [{ x: 1 }])).toBe('rows 0 vs 1');
  });
});

describe("the benchmark's result reader", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-read-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads flat XML records, decoding entities, an absent or empty element being null', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n' +
      '<row><k>a &amp; b</k><n>1.5</n><e></e></row>\n' +
      '<row><k>&lt;&#x41;&#66;&gt;</k><e/></row>\n</rows>\n';
    expect(parseFlatXml(xml)).toEqual([
      { k: 'a & b', n: '1.5', e: null },
      { k: '<AB>', e: null },
    ]);
  });

  test('reads CSV, JSON, NDJSON and Parquet results through DuckDB, integers as JS numbers', async () => {
    const csv = path.join(dir, 'r.csv');
    const json = path.join(dir, 'r.json');
    const ndjson = path.join(dir, 'r.ndjson');
    await writeFile(csv, 'k,count,mean\na,2,1.5\nb,1,\n');
    await writeFile(json, '[{"k":"a","count":2,"mean":1.5},{"k":"b","count":1,"mean":null}]');
    await writeFile(ndjson, '{"k":"a","count":2,"mean":1.5}\n{"k":"b","count":1,"mean":null}\n');
    const expected = [
      { k: 'a', count: 2, mean: 1.5 },
      { k: 'b', count: 1, mean: null },
    ];
    expect(await readResult(csv, 'csv')).toEqual(expected);
    expect(await readResult(json, 'json')).toEqual(expected);
    expect(await readResult(ndjson, 'ndjson')).toEqual(expected);
    const parquet = path.join(dir, 'r.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(`COPY (SELECT * FROM read_ndjson('${ndjson}')) TO '${parquet}' (FORMAT parquet)`);
    db.closeSync();
    expect(await readResult(parquet, 'parquet')).toEqual(expected);
  });

  test('fails on a missing file rather than reading nothing', async () => {
    await expect(readResult(path.join(dir, 'absent.csv'), 'csv')).rejects.toThrow();
  });
});

describe("the spill run's result check", () => {
  let dir: string;
  const file = async (name: string, text: string): Promise<string> => {
    const f = path.join(dir, name);
    await writeFile(f, text);
    return f;
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-spill-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('accepts a result equal to DuckDB, one row per input row', async () => {
    const duck = await file('d.csv', 'id,count,float_mean\n0,1,1.5\n1,1,\n2,1,-3\n');
    const same = await file('e.csv', 'id,count,float_mean\n0,1,1.5000000000001\n1,1,\n2,1,-3\n');
    expect(await checkSpillResult(same, duck, 3)).toBe('yes');
  });

  test('names a missing row, a repeated id, a wrong count and a wrong mean', async () => {
    const duck = await file('d2.csv', 'id,count,float_mean\n0,1,1.5\n1,1,\n2,1,-3\n');
    const short = await file('short.csv', 'id,count,float_mean\n0,1,1.5\n1,1,\n');
    const twice = await file('twice.csv', 'id,count,float_mean\n0,1,1.5\n0,1,1.5\n2,1,-3\n');
    const counted = await file('counted.csv', 'id,count,float_mean\n0,2,1.5\n1,1,\n2,1,-3\n');
    const mean = await file('mean.csv', 'id,count,float_mean\n0,1,1.5\n1,1,0\n2,1,-3\n');
    expect(await checkSpillResult(short, duck, 3)).toBe('2 rows, expected 3');
    expect(await checkSpillResult(twice, duck, 3)).toBe('2 distinct ids, expected 3');
    expect(await checkSpillResult(counted, duck, 3)).toBe('counts sum to 4, expected 3');
    expect(await checkSpillResult(mean, duck, 3)).toBe("1 rows differ from DuckDB's");
  });
});
