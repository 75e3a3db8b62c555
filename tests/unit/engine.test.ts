import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { defaultOutputFormat, inspectInput, runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let storage: Storage;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-'));
  storage = new Storage(root);
  await mkdir(path.join(root, 'in'));
  await writeFile(
    path.join(root, 'in', 'sales.csv'),
    'region;amount;note\nnord;1.50;a\nsud;;b\nnord;2.25;\n',
  );
  await writeFile(path.join(root, 'in', 'sales.tsv'), 'region\tamount\nnord\t1\nsud\t3\n');
  await writeFile(
    path.join(root, 'in', 'people.json'),
    JSON.stringify({
      people: [
        { name: 'Ana', address: { city: 'Lyon' } },
        { name: 'Bo', age: 40 },
      ],
    }),
  );
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (request: Partial<ComputeRequest>): ReturnType<typeof runCompute> =>
  runCompute(storage, {
    output: 'out/result.csv',
    columns: ['amount'],
    operation: 'stats',
    input: 'in/sales.csv',
    ...request,
  } as ComputeRequest);

describe('runCompute', () => {
  test('non_null from CSV to CSV copies the kept cells verbatim', async () => {
    const result = await run({ operation: 'non_null', columns: ['amount'] });
    expect(result).toEqual({
      output: 'out/result.csv',
      output_format: 'csv',
      rows_in: 3,
      rows_out: 2,
      bytes: expect.any(Number),
    });
    expect(await readFile(path.join(root, 'out', 'result.csv'), 'utf8')).toBe(
      'region,amount,note\nnord,1.50,a\nnord,2.25,\n',
    );
  });

  test('non_null from CSV to JSON types the cells by their column', async () => {
    await run({ operation: 'non_null', columns: ['amount'], output: 'out/r.json', output_format: 'json' });
    expect(JSON.parse(await readFile(path.join(root, 'out', 'r.json'), 'utf8'))).toEqual([
      { region: 'nord', amount: 1.5, note: 'a' },
      { region: 'nord', amount: 2.25, note: null },
    ]);
  });

  test('stats writes one row per column in the input format by default', async () => {
    const result = await run({});
    expect(result.rows_out).toBe(1);
    const text = await readFile(path.join(root, 'out', 'result.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('column,count,nulls,mean,variance,std,min,max');
    expect(text.split('\n')[1]).toBe('amount,2,1,1.875,0.28125,0.5303300858899106,1.5,2.25');
  });

  test('group_by on a JSON object holding one array, with a flattened nested column', async () => {
    await run({
      operation: 'group_by',
      input: 'in/people.json',
      columns: ['address.city'],
      output: 'out/g.json',
    });
    expect(JSON.parse(await readFile(path.join(root, 'out', 'g.json'), 'utf8'))).toEqual([
      { 'address.city': 'Lyon', count: 1 },
      { 'address.city': null, count: 1 },
    ]);
  });

  test('TSV input is written as CSV by default', async () => {
    expect(defaultOutputFormat('tsv')).toBe('csv');
    const result = await run({ input: 'in/sales.tsv' });
    expect(result.output_format).toBe('csv');
  });

  test('refuses to overwrite an existing output before doing any work', async () => {
    await run({});
    await expect(run({})).rejects.toMatchObject({ code: 'output_exists' });
  });

  test('a failing computation leaves no output and no temporary file', async () => {
    await expect(run({ operation: 'stats', columns: ['region'] })).rejects.toMatchObject({
      code: 'non_numeric_column',
    });
    await expect(run({ operation: 'non_null', columns: ['nope'] })).rejects.toMatchObject({
      code: 'unknown_column',
    });
    expect(await readdir(root)).not.toContain('out');
  });

  test('reports a missing input, an unknown extension and an unsafe path with their codes', async () => {
    await expect(run({ input: 'in/missing.csv' })).rejects.toMatchObject({ code: 'input_not_found' });
    await expect(run({ input: 'in/sales.xlsx' })).rejects.toMatchObject({ code: 'unsupported_format' });
    await expect(run({ input: '../etc/passwd.csv' })).rejects.toMatchObject({ code: 'invalid_path' });
    await expect(run({ output: '/tmp/x.csv' })).rejects.toMatchObject({ code: 'invalid_path' });
  });
});

describe('inspectInput', () => {
  test('reads the header of a CSV without reading its rows', async () => {
    expect(await inspectInput(storage, 'in/sales.csv')).toEqual({
      format: 'csv',
      columns: ['region', 'amount', 'note'],
    });
  });

  test('reads the columns of a Parquet file from its footer, structs flattened', async () => {
    const { copyFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const fixture = fileURLToPath(new URL('../fixtures/readers-parquet/nested.parquet', import.meta.url));
    await copyFile(fixture, path.join(root, 'in', 'nested.parquet'));
    expect(await inspectInput(storage, 'in/nested.parquet')).toEqual({
      format: 'parquet',
      columns: ['id', 'address.city', 'address.geo.lat', 'address.geo.lon', 'nums', 'words', 'counts'],
    });
  });

  test('refuses a file that is not Parquet with parse_error', async () => {
    await writeFile(path.join(root, 'in', 'fake.parquet'), 'not parquet at all');
    await expect(inspectInput(storage, 'in/fake.parquet')).rejects.toMatchObject({ code: 'parse_error' });
  });

  test('does not read JSON, whose columns only a full pass tells', async () => {
    expect(await inspectInput(storage, 'in/people.json')).toEqual({ format: 'json', columns: undefined });
  });
});
