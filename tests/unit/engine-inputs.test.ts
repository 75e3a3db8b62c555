/**
 * The engine end to end on small inputs, one behaviour of the README per
 * case: each case writes its input, runs one request and checks the output
 * (as text, or parsed JSON) or the error's code and message.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let storage: Storage;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-inputs-'));
  storage = new Storage(root);
  await mkdir(path.join(root, 'in'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A request as the tests write it: the engine's schema checks it, not the type checker. */
type Request = { operation: ComputeRequest['operation']; columns: string[]; [field: string]: unknown };

async function run(name: string, content: string | Buffer, request: Request): Promise<string> {
  const input = `in/${++n}-${name}`;
  await writeFile(path.join(root, input), content);
  const output = `out/${n}.${String(request.output_format ?? 'json')}`;
  await runCompute(storage, { output_format: 'json', ...request, input, output } as ComputeRequest);
  return readFile(path.join(root, output), 'utf8');
}

const json = async (name: string, content: string | Buffer, request: Request): Promise<unknown> =>
  JSON.parse(await run(name, content, request)) as unknown;

const all = (columns: string[]): Request => ({ operation: 'non_null', columns, options: { how: 'any' } });

describe('CSV and TSV', () => {
  test('keeps delimiters, escaped quotes and newlines inside quoted fields', async () => {
    expect(await json('q.csv', 'a,b\n"x, ""y""","multi\nline"\n', all(['a']))).toEqual([
      { a: 'x, "y"', b: 'multi\nline' },
    ]);
  });

  test('detects a semicolon delimiter and keeps decimal commas as text', async () => {
    expect(await json('s.csv', 'a;b\n1,5;x\n', all(['a']))).toEqual([{ a: '1,5', b: 'x' }]);
  });

  test('detects tab and pipe delimiters', async () => {
    expect(await json('t.csv', 'a\tb\n1\t2\n', all(['a']))).toEqual([{ a: 1, b: 2 }]);
    expect(await json('p.csv', 'a|b\n1|2\n', all(['a']))).toEqual([{ a: 1, b: 2 }]);
  });

  test('splits a TSV on tabs even where a comma would fit as well', async () => {
    expect(await json('x.tsv', 'a,b\tc\n1,2\t3\n', all(['a,b']))).toEqual([{ 'a,b': '1,2', c: 3 }]);
  });

  test('uses the delimiter given in the options over detection', async () => {
    expect(
      await json('d.csv', 'a;b,c\n1;2,3\n', { ...all(['a;b']), options: { delimiter: ',', how: 'any' } }),
    ).toEqual([{ 'a;b': '1;2', c: 3 }]);
  });

  test('strips a UTF-8 byte order mark and reads CRLF files without stray carriage returns', async () => {
    expect(await json('bom.csv', '\uFEFFa,b\r\n1,"x\r\ny"\r\n', all(['a']))).toEqual([{ a: 1, b: 'x\r\ny' }]);
  });

  test('decodes accents, CJK and emoji', async () => {
    expect(await json('u.csv', 'nom,v\nÉlodie 東京 🎉,1\n', all(['nom']))).toEqual([
      { nom: 'Élodie 東京 🎉', v: 1 },
    ]);
  });

  test.each([
    ['an empty file', '', /empty file/],
    ['an empty column name', 'a,,c\n1,2,3\n', /column 2 of the header has an empty name/],
    ['duplicate column names', 'a,b,a\n1,2,3\n', /duplicate column name "a" \(columns 1 and 3\)/],
    ['a row with too many fields', 'a,b\n1,2\n3,4,5\n', /^line 3/],
    ['a row with too few fields', 'a,b\n1,2\n3\n', /^line 3/],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
      /^line 2: .*utf-8/i,
    ],
    [
      'invalid UTF-8 further down, by its line',
      Buffer.concat([Buffer.from('a,b\n1,2\n3,4\n5,'), Buffer.from([0xff]), Buffer.from('\n')]),
      /^line 4: .*utf-8/i,
    ],
  ])('refuses %s with parse_error', async (_what, content, message) => {
    await expect(run('bad.csv', content, all(['a']))).rejects.toMatchObject({
      code: 'parse_error',
      message: expect.stringMatching(message),
    });
  });

  test('reads a header-only file as zero rows with its columns', async () => {
    expect(await run('h.csv', 'a,b\n', { ...all(['a']), output_format: 'csv' })).toBe('a,b\n');
  });

  test('applies the default null markers of pandas, and custom ones instead when given', async () => {
    const content = 'a,b\nNA,1\nn/a,2\n-,3\n,4\n';
    expect(await json('n.csv', content, all(['a']))).toEqual([{ a: '-', b: 3 }]);
    expect(
      await json('n2.csv', content, { ...all(['a']), options: { null_values: ['-'], how: 'any' } }),
    ).toEqual([
      { a: 'NA', b: 1 },
      { a: 'n/a', b: 2 },
    ]);
  });

  test('reads a header of 10,000 columns and its rows', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
    const out = await json('wide.csv', `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`, {
      operation: 'stats',
      columns: ['c9999'],
    });
    expect(out).toMatchObject([{ column: 'c9999', count: 1, mean: 9999 }]);
  });

  test('a numeric column over the whole file, not a sample: a late text value makes it text', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => String(i));
    rows.push('oops');
    await expect(
      run('late.csv', `a\n${rows.join('\n')}\n`, { operation: 'stats', columns: ['a'] }),
    ).rejects.toMatchObject({
      code: 'non_numeric_column',
      message: expect.stringContaining('"oops" at row 30001'),
    });
  });

  test('CSV to CSV copies the kept cells verbatim, numbers as written', async () => {
    expect(
      await run('v.csv', 'a,b\n007,1.50\n,2\n1e3,x\n', {
        ...all(['a']),
        how: 'all',
        output_format: 'csv',
      } as Request),
    ).toBe('a,b\n007,1.50\n1e3,x\n');
  });
});

describe('JSON and NDJSON', () => {
  test('flattens nested objects to dotted names and keeps arrays as JSON text', async () => {
    const input = JSON.stringify([
      { id: 1, address: { city: 'Lyon', geo: { lat: 45.7 } }, tags: ['a', 'b'] },
    ]);
    expect(await json('n.json', input, all(['id']))).toEqual([
      { id: 1, 'address.city': 'Lyon', 'address.geo.lat': 45.7, tags: '["a","b"]' },
    ]);
  });

  test('builds the union of keys in first-seen order', async () => {
    expect(await json('u.json', '[{"a":1},{"b":"x","a":2},{"c":true}]', all(['a', 'b', 'c']))).toEqual([
      { a: 1, b: null, c: null },
      { a: 2, b: 'x', c: null },
      { a: null, b: null, c: true },
    ]);
  });

  test('finds a key that first appears after the sample of records', async () => {
    const records = Array.from({ length: 25_000 }, (_, i) => (i === 24_999 ? { a: i, late: 5 } : { a: i }));
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    expect(await json('late.ndjson', ndjson, { operation: 'stats', columns: ['late'] })).toMatchObject([
      { column: 'late', count: 1, nulls: 24_999, mean: 5 },
    ]);
    const kept = (await json('late2.ndjson', ndjson, {
      operation: 'non_null',
      columns: ['late'],
    })) as unknown[];
    expect(kept).toEqual([{ a: 24_999, late: 5 }]);
  });

  test('lists keys first seen after the sample in first-seen order, the common keys in any order around them', async () => {
    const records = Array.from({ length: 25_000 }, (_, i): Record<string, number> => {
      if (i === 24_000) return { b: i, a: i, y: 1 };
      if (i === 24_500) return { x: 2, a: i, b: i };
      return { a: i, b: i };
    });
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    const rows = (await json('late3.ndjson', ndjson, { operation: 'non_null', columns: ['x'] })) as object[];
    expect(rows.map((r) => Object.keys(r))).toEqual([['a', 'b', 'y', 'x']]);
    expect(rows).toEqual([{ a: 24_500, b: 24_500, y: null, x: 2 }]);
  });

  test('reads the one array of a wrapping object', async () => {
    expect(
      await json('w.json', '{"rows":[{"a":1},{"a":2}]}', { operation: 'stats', columns: ['a'] }),
    ).toMatchObject([{ column: 'a', count: 2, mean: 1.5 }]);
  });

  test('counts JSON strings that spell numbers as numbers, and does not apply null markers to JSON', async () => {
    expect(await json('s.json', '[{"a":"1"},{"a":2},{"a":"NA"}]', all(['a']))).toEqual([
      { a: '1' },
      { a: '2' },
      { a: 'NA' },
    ]);
    await expect(
      run('s2.json', '[{"a":"1"},{"a":2}]', { operation: 'stats', columns: ['a'] }),
    ).resolves.toContain('1.5');
  });

  test('skips blank lines of NDJSON, with or without a final newline', async () => {
    expect(
      await json('b.ndjson', '{"a":1}\n\n{"a":2}', { operation: 'stats', columns: ['a'] }),
    ).toMatchObject([{ column: 'a', count: 2 }]);
  });

  test.each([
    ['a malformed line', 'x.ndjson', '{"a":1}\n{"a":\n', /line 2|malformed/],
    ['a record that is not an object', 'y.json', '[{"a":1}, 5]', /object/],
    ['an object holding two arrays', 'z.json', '{"a":[{"x":1}],"b":[]}', /exactly one array/],
    [
      'objects nested deeper than 64 levels',
      'd.json',
      `[{"a":${'['.repeat(70)}${']'.repeat(70)}}]`,
      /nest deeper/,
    ],
  ])('refuses %s with parse_error', async (_what, name, content, message) => {
    await expect(run(name, content, { operation: 'stats', columns: ['a'] })).rejects.toMatchObject({
      code: 'parse_error',
      message: expect.stringMatching(message),
    });
  });
});

describe('CSV columns that look numeric in their first rows', () => {
  /** 3,000 numeric rows (more than the engine's sample), then `last`. */
  const tall = (last: string): string =>
    'k,v\n' + Array.from({ length: 3000 }, (_, i) => `${i % 2},${i}\n`).join('') + `1,${last}\n`;

  test('are still typed by every value: a text past the first rows makes the column text', async () => {
    await expect(run('late.csv', tall('oops'), { operation: 'stats', columns: ['v'] })).rejects.toMatchObject(
      {
        code: 'non_numeric_column',
        message: expect.stringContaining('oops'),
      },
    );
    expect(
      await json('late-min.csv', tall('oops'), {
        operation: 'group_by',
        columns: ['k'],
        aggregations: { v: ['min', 'max'] },
      }),
    ).toEqual([
      { k: 0, count: 1500, v_min: '0', v_max: '998' },
      { k: 1, count: 1501, v_min: '1', v_max: 'oops' },
    ]);
  });

  test.each(['inf', 'NAN', '-Infinity', '1e400'])(
    'are text when a late cell is %j, which DuckDB reads as a number but the README does not',
    async (last) => {
      await expect(
        run(`late-${last}.csv`, tall(last), { operation: 'stats', columns: ['v'] }),
      ).rejects.toMatchObject({ code: 'non_numeric_column' });
    },
  );

  test('are numbers when every value is one, with null markers as nulls', async () => {
    expect(
      await json('late-ok.csv', tall('NA'), {
        operation: 'group_by',
        columns: ['k'],
        aggregations: { v: ['count', 'max'] },
      }),
    ).toEqual([
      { k: 0, count: 1500, v_count: 1500, v_max: 2998 },
      { k: 1, count: 1501, v_count: 1500, v_max: 2999 },
    ]);
  });
});

describe('group_by', () => {
  const csv = 'k,g,x\nb,1,1\na,1.0,2\n,2,3\nb,2,\nZ,10,4\n';

  test('counts the values of columns asked only for count, whatever their type, beside a typed max', async () => {
    const mixed = 'k,t,n,b,m\na,x,1,true,5\na,1,2.5,FALSE,7\nb,,,,\nb,true,NA,false,10\n';
    expect(
      await json('gcount.csv', mixed, {
        operation: 'group_by',
        columns: ['k'],
        aggregations: { t: ['count'], n: ['count'], b: ['count'], m: ['count', 'max'] },
      }),
    ).toEqual([
      { k: 'a', count: 2, t_count: 2, n_count: 2, b_count: 2, m_count: 2, m_max: 7 },
      { k: 'b', count: 2, t_count: 1, n_count: 0, b_count: 1, m_count: 1, m_max: 10 },
    ]);
  });

  test('merges raw keys that spell the same number and sorts numeric keys numerically', async () => {
    expect(
      await json('g1.csv', csv, { operation: 'group_by', columns: ['g'], aggregations: { x: ['sum'] } }),
    ).toEqual([
      { g: 1, count: 2, x_sum: 3 },
      { g: 2, count: 2, x_sum: 3 },
      { g: 10, count: 1, x_sum: 4 },
    ]);
  });

  test('merges integer keys written with leading zeros or past 2^53 into the number they spell', async () => {
    const keys = 'g,x\n7,1\n007,2\n9007199254740992,3\n9007199254740993,4\n-3,5\n';
    expect(
      await json('g5.csv', keys, { operation: 'group_by', columns: ['g'], aggregations: { x: ['sum'] } }),
    ).toEqual([
      { g: -3, count: 1, x_sum: 5 },
      { g: 7, count: 2, x_sum: 3 },
      { g: 9007199254740992, count: 2, x_sum: 7 },
    ]);
  });

  test('keeps distinct canonical integer keys apart', async () => {
    const keys = 'g\n3\n-1\n20\n3\n0\n';
    expect(await json('g6.csv', keys, { operation: 'group_by', columns: ['g'] })).toEqual([
      { g: -1, count: 1 },
      { g: 0, count: 1 },
      { g: 3, count: 2 },
      { g: 20, count: 1 },
    ]);
  });

  test('sorts text keys by code point with the null group last', async () => {
    expect(await json('g2.csv', csv, { operation: 'group_by', columns: ['k'] })).toEqual([
      { k: 'Z', count: 1 },
      { k: 'a', count: 1 },
      { k: 'b', count: 2 },
      { k: null, count: 1 },
    ]);
  });

  test('boolean keys sort false before true, in any letter case', async () => {
    expect(await json('g3.csv', 'b\nTRUE\nfalse\ntrue\n', { operation: 'group_by', columns: ['b'] })).toEqual(
      [
        { b: false, count: 1 },
        { b: true, count: 2 },
      ],
    );
  });

  test('min and max follow the column type; nunique counts typed values', async () => {
    const out = await json('g4.csv', 'k,t,n\na,b,10\na,B,9\na,a,1.0\na,,1\n', {
      operation: 'group_by',
      columns: ['k'],
      aggregations: { t: ['min', 'max', 'nunique'], n: ['min', 'max', 'nunique', 'median'] },
    });
    expect(out).toEqual([
      {
        k: 'a',
        count: 4,
        t_min: 'B',
        t_max: 'b',
        t_nunique: 3,
        n_min: 1,
        n_max: 10,
        n_nunique: 3,
        n_median: 5,
      },
    ]);
  });

  test('an aggregation over only nulls gives null, except counts which give 0', async () => {
    expect(
      await json('g5.csv', 'k,x\na,\n', {
        operation: 'group_by',
        columns: ['k'],
        aggregations: { x: ['sum', 'mean', 'count', 'nunique', 'std'] },
      }),
    ).toEqual([{ k: 'a', count: 1, x_sum: null, x_mean: null, x_count: 0, x_nunique: 0, x_std: null }]);
  });

  test('refuses numeric aggregations on text, naming the column and value', async () => {
    await expect(
      run('g6.csv', 'k,x\na,1\na,two\n', {
        operation: 'group_by',
        columns: ['k'],
        aggregations: { x: ['mean'] },
      }),
    ).rejects.toMatchObject({
      code: 'non_numeric_column',
      message: expect.stringContaining('"two"'),
    });
  });

  test('reports unknown key and aggregated columns, listing the available ones', async () => {
    await expect(
      run('g7.csv', 'k,x\na,1\n', { operation: 'group_by', columns: ['nope'], aggregations: { y: ['sum'] } }),
    ).rejects.toMatchObject({
      code: 'unknown_column',
      details: { unknown: ['nope', 'y'], available: ['k', 'x'] },
    });
  });
});

describe('stats', () => {
  test('uses the sample variance by default and the population variance with ddof 0', async () => {
    const content = 'x\n1\n2\n3\n4\n';
    expect(await json('v1.csv', content, { operation: 'stats', columns: ['x'] })).toEqual([
      { column: 'x', count: 4, nulls: 0, mean: 2.5, variance: 5 / 3, std: Math.sqrt(5 / 3), min: 1, max: 4 },
    ]);
    expect(
      await json('v2.csv', content, { operation: 'stats', columns: ['x'], options: { ddof: 0 } }),
    ).toMatchObject([{ variance: 1.25 }]);
  });

  test('gives nulls for a column without values and for the variance of a single value', async () => {
    expect(await json('v3.csv', 'x,y\n,1\n', { operation: 'stats', columns: ['x', 'y'] })).toEqual([
      { column: 'x', count: 0, nulls: 1, mean: null, variance: null, std: null, min: null, max: null },
      { column: 'y', count: 1, nulls: 0, mean: 1, variance: null, std: null, min: 1, max: 1 },
    ]);
  });

  test('treats booleans as non-numeric', async () => {
    await expect(run('v4.csv', 'b\ntrue\n', { operation: 'stats', columns: ['b'] })).rejects.toMatchObject({
      code: 'non_numeric_column',
    });
  });
});
