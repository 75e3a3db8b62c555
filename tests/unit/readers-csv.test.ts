import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidRequestError, ParseError } from '../../lib/errors.js';
import { openCsvSource } from '../../lib/readers/csv.js';
import type { ReaderTuning } from '../../lib/readers/text-chunks.js';
import type { ReadOptions, Scalar, TableSource } from '../../lib/types.js';
import { parseErrorOf } from './support/parse-error.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/readers/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);

interface ReadResult {
  columns: string[];
  rows: Scalar[][];
  batches: { firstRow: number; rows: number }[];
}

async function readAll(source: TableSource): Promise<ReadResult> {
  const result: ReadResult = { columns: [], rows: [], batches: [] };
  for await (const { table, firstRow } of source.batches()) {
    result.columns = table.columnNames();
    const cols = result.columns.map((c) => table.column(c) as unknown as Scalar[]);
    for (let r = 0; r < table.numRows(); r++) result.rows.push(cols.map((c) => c[r]!));
    result.batches.push({ firstRow, rows: table.numRows() });
  }
  return result;
}

const readCsv = (name: string, options: ReadOptions = {}, tuning?: ReaderTuning): Promise<ReadResult> =>
  readAll(openCsvSource(fixture(name), options, tuning));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readers-csv-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('CSV dialects', () => {
  test('keeps delimiters, escaped quotes and newlines inside quoted fields', async () => {
    const { columns, rows } = await readCsv('quoted-newlines.csv');
    expect(columns).toEqual(['id', 'comment', 'amount']);
    expect(rows).toEqual([
      ['1', 'first line\nsecond line', '10'],
      ['2', 'a "quoted" word, and a comma', '20'],
      ['3', 'plain', '30'],
    ]);
  });

  test('detects the semicolon of French exports and keeps decimal commas as text', async () => {
    const { columns, rows } = await readCsv('semicolon.csv');
    expect(columns).toEqual(['nom', 'prix', 'ville']);
    expect(rows).toEqual([
      ['Café', '1,5', 'Paris'],
      ['Thé', '2,25', 'Lyon'],
    ]);
  });

  test('detects a tab delimiter and reads empty fields as null', async () => {
    const { columns, rows } = await readCsv('tab.tsv');
    expect(columns).toEqual(['name', 'qty', 'note']);
    expect(rows).toEqual([
      ['apple', '3', 'red, crisp'],
      ['pear', null, null],
    ]);
  });

  test('detects a pipe delimiter', async () => {
    expect((await readCsv('pipe.csv')).rows).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
  });

  test('uses the delimiter given in the options over detection', async () => {
    const { columns, rows } = await readCsv('pipe.csv', { delimiter: ',' });
    expect(columns).toEqual(['a|b|c']);
    expect(rows).toEqual([['1|2|3'], ['4|5|6']]);
  });

  test('refuses a delimiter that is not one character', () => {
    expect(() => openCsvSource(fixture('pipe.csv'), { delimiter: '||' })).toThrow(InvalidRequestError);
  });

  test('strips a UTF-8 byte order mark from the first column name', async () => {
    const source = openCsvSource(fixture('bom.csv'), {});
    expect(await source.header()).toEqual(['id', 'name']);
    expect((await readAll(source)).rows).toEqual([['1', 'Zoë']]);
  });

  test('reads CRLF files without stray carriage returns, even inside quoted fields', async () => {
    const { columns, rows } = await readCsv('crlf.csv');
    expect(columns).toEqual(['a', 'b']);
    expect(rows).toEqual([
      ['1', 'x\r\ny'],
      ['2', 'z'],
    ]);
  });
});

describe('CSV text and chunking', () => {
  const expected = [
    ['München', 'naïve', '😀'],
    ['Łódź', '日本語', '👍🏽'],
    ['São Paulo', 'Ελληνικά', '🎉'],
  ];

  test('decodes accents, CJK and emoji', async () => {
    expect((await readCsv('utf8.csv')).rows).toEqual(expected);
  });

  test.each([1, 2, 3, 5, 7])(
    'decodes multi-byte characters split across %i-byte reads',
    async (chunkBytes) => {
      expect((await readCsv('utf8.csv', {}, { chunkBytes })).rows).toEqual(expected);
    },
  );

  test.each([1, 2, 3, 4, 9])('reads quoted newlines split across %i-byte reads', async (chunkBytes) => {
    const whole = await readCsv('quoted-newlines.csv');
    expect(await readCsv('quoted-newlines.csv', {}, { chunkBytes })).toEqual(whole);
  });

  test('refuses invalid UTF-8 with the line and byte offset of the bad byte', async () => {
    const err = await parseErrorOf(readCsv('invalid-utf8.csv'));
    expect(err.code).toBe('parse_error');
    expect(err.message).toBe('line 3: invalid UTF-8 byte sequence at byte offset 18; save the file as UTF-8');
  });

  test('refuses a multi-byte character cut short at the end of the file', async () => {
    const file = path.join(tmp, 'truncated.csv');
    await writeFile(file, Buffer.from([0x61, 0x0a, 0x31, 0x0a, 0xe2, 0x82]));
    const err = await parseErrorOf(readAll(openCsvSource(file, {}, { chunkBytes: 5 })));
    expect(err.details).toEqual({ line: 3, byte: 4 });
  });
});

describe('CSV shape', () => {
  test('refuses an empty file for lack of a header row', async () => {
    const err = await parseErrorOf(readCsv('empty.csv'));
    expect(err.message).toBe('empty file: no header row');
    await expect(openCsvSource(fixture('empty.csv'), {}).header()).rejects.toThrow(
      'empty file: no header row',
    );
  });

  test('reads a header-only file as zero rows with its columns', async () => {
    const { columns, rows, batches } = await readCsv('header-only.csv');
    expect(columns).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual([]);
    expect(batches).toEqual([{ firstRow: 1, rows: 0 }]);
  });

  test('rejects a row with too few fields with its line number', async () => {
    const err = await parseErrorOf(readCsv('ragged-short.csv'));
    expect(err.message).toBe('line 3: expected 3 fields as in the header, found 2');
    expect(err.details).toMatchObject({ line: 3 });
  });

  test('rejects a row with too many fields with its line number', async () => {
    expect((await parseErrorOf(readCsv('ragged-long.csv'))).message).toBe(
      'line 3: expected 3 fields as in the header, found 4',
    );
  });

  test.each([undefined, 1, 3, 8])(
    'counts the lines of quoted newlines before a ragged row (chunks of %s bytes)',
    async (chunkBytes) => {
      const err = await parseErrorOf(
        readCsv('quoted-newlines-ragged.csv', {}, chunkBytes ? { chunkBytes } : {}),
      );
      expect(err.message).toBe('line 6: expected 3 fields as in the header, found 2');
    },
  );

  test('rejects duplicate column names, naming both positions', async () => {
    const source = openCsvSource(fixture('duplicate-header.csv'), {});
    await expect(source.header()).rejects.toThrow('line 1: duplicate column name "a" (columns 1 and 3)');
    await expect(readAll(source)).rejects.toThrow(ParseError);
  });

  test('rejects an empty column name', async () => {
    expect((await parseErrorOf(readCsv('empty-header.csv'))).message).toBe(
      'line 1: column 2 of the header has an empty name',
    );
  });

  test('rejects a quoted field that is never closed', async () => {
    expect((await parseErrorOf(readCsv('unclosed-quote.csv'))).message).toBe(
      'line 2: a quoted field is never closed',
    );
  });

  test('reads a blank line of a one-column file as a null, but not the final newline', async () => {
    const { rows } = await readCsv('single-column.csv');
    expect(rows).toEqual([['1'], [null], ['3']]);
  });

  test('skips a blank line of a multi-column file', async () => {
    expect((await readCsv('blank-line.csv')).rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });
});

describe('CSV nulls and columns', () => {
  test('applies the default null markers of pandas', async () => {
    const { rows } = await readCsv('nulls.csv');
    expect(rows).toEqual([
      [null, '1'],
      [null, '2'],
      [null, '-'],
      [null, '3'],
      [null, 'x'],
    ]);
  });

  test('applies custom null markers instead of the default ones, empty fields staying null', async () => {
    const { rows } = await readCsv('nulls.csv', { null_values: ['-', 'NA'] });
    expect(rows).toEqual([
      [null, '1'],
      ['N/A', '2'],
      ['null', null],
      [null, '3'],
      ['None', 'x'],
    ]);
  });

  test('builds only the requested columns when they all exist', async () => {
    const { columns, rows } = await readCsv('pipe.csv', { columns: ['c', 'a'] });
    expect(columns).toEqual(['a', 'c']);
    expect(rows).toEqual([
      ['1', '3'],
      ['4', '6'],
    ]);
    expect((await readCsv('pipe.csv', { columns: ['a', 'nope'] })).columns).toEqual(['a', 'b', 'c']);
  });
});

describe('CSV streaming', () => {
  test('delivers a 50,000-row file in several batches with running row numbers', async () => {
    const file = path.join(tmp, 'many.csv');
    const lines = ['id,x'];
    for (let i = 1; i <= 50_000; i++) lines.push(`${i},${i % 7}`);
    await writeFile(file, lines.join('\n') + '\n');
    const source = openCsvSource(file, {}, { chunkBytes: 4096 });
    const batches: { firstRow: number; rows: number; first: Scalar }[] = [];
    for await (const { table, firstRow } of source.batches()) {
      batches.push({ firstRow, rows: table.numRows(), first: table.get('id', 0) as Scalar });
    }
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(50_000);
    for (const b of batches) expect(b.first).toBe(String(b.firstRow));
  });

  test('stops reading when the consumer stops early', async () => {
    const file = path.join(tmp, 'early.csv');
    await writeFile(file, 'a\n' + '1\n'.repeat(10_000));
    const source = openCsvSource(file, { batch_size: 100 });
    let seen = 0;
    for await (const batch of source.batches()) {
      seen += batch.table.numRows();
      break;
    }
    expect(seen).toBe(100);
  });

  test('reads a header of 10,000 columns and its rows', async () => {
    const file = path.join(tmp, 'wide.csv');
    const names = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
    const row = names.map((_, i) => String(i));
    await writeFile(file, [names, row, row].map((r) => r.join(',')).join('\n'));
    const source = openCsvSource(file, {});
    expect(await source.header()).toEqual(names);
    const { columns, rows } = await readAll(source);
    expect(columns).toHaveLength(10_000);
    expect(rows).toHaveLength(2);
    expect(rows[1]![9_999]).toBe('9999');
    // Rows far longer than a read: carried over until complete.
    expect(await readAll(openCsvSource(file, {}, { chunkBytes: 1000 }))).toEqual({
      columns,
      rows,
      batches: [{ firstRow: 1, rows: 2 }],
    });
  });

  test('gives up on a record that never ends instead of buffering the file', async () => {
    const file = path.join(tmp, 'open-quote.csv');
    await writeFile(file, 'a,b\n1,"never closed\n' + 'x,y\n'.repeat(50_000));
    const err = await parseErrorOf(
      readAll(openCsvSource(file, {}, { chunkBytes: 1024, maxRecordChars: 4096 })),
    );
    expect(err.message).toBe('line 2: a record runs over 4096 characters; is a quote left unclosed?');
  });

  test('reads only the start of the file for the header', async () => {
    const file = path.join(tmp, 'header-then-garbage.csv');
    await writeFile(
      file,
      Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.alloc(300_000, 'x'), Buffer.from([0xff])]),
    );
    expect(await openCsvSource(file, {}).header()).toEqual(['a', 'b']);
  });
});

describe('CSV quote-free fast path', () => {
  // After the first block, chunks without any quote are split by the reader itself rather than
  // by papaparse: whatever the chunk size, the result must be the same as one parse of the file.
  const body = (newline: string): string =>
    ['id,name,amount', '1,a,10', '2,,NA', '', '3,c,', '4,d,40', '5,é€😀,50', '6,f,60'].join(newline);
  test.each([
    ['LF', '\n', '\n'],
    ['LF without final newline', '\n', ''],
    ['CRLF', '\r\n', '\r\n'],
    ['CR', '\r', '\r'],
  ])('%s: same rows at every chunk size', async (_name, newline, end) => {
    const file = path.join(tmp, `plain-${_name.replaceAll(' ', '-')}.csv`);
    await writeFile(file, body(newline) + end);
    const whole = await readAll(openCsvSource(file, {}));
    expect(whole.rows).toEqual([
      ['1', 'a', '10'],
      ['2', null, null],
      ['3', 'c', null],
      ['4', 'd', '40'],
      ['5', 'é€😀', '50'],
      ['6', 'f', '60'],
    ]);
    for (const chunkBytes of [16, 17, 20, 23, 31]) {
      expect(await readAll(openCsvSource(file, {}, { chunkBytes }))).toEqual(whole);
      const picked = await readAll(openCsvSource(file, { columns: ['amount', 'id'] }, { chunkBytes }));
      expect(picked.columns).toEqual(['id', 'amount']);
      expect(picked.rows).toEqual(whole.rows.map((r) => [r[0], r[2]]));
    }
  });

  test('a one-column file keeps a blank line as a null cell', async () => {
    const file = path.join(tmp, 'plain-one.csv');
    await writeFile(file, 'x\n1\n\n2\n3\n');
    for (const chunkBytes of [3, 4, 5, 1024]) {
      expect((await readAll(openCsvSource(file, {}, { chunkBytes }))).rows).toEqual([
        ['1'],
        [null],
        ['2'],
        ['3'],
      ]);
    }
  });

  test('names the line of a ragged row inside a quote-free block', async () => {
    const file = path.join(tmp, 'plain-ragged.csv');
    const lines = ['a,b,c'];
    for (let i = 1; i <= 200; i++) lines.push(i === 150 ? '1,2,3,4' : `${i},x,y`);
    await writeFile(file, lines.join('\n') + '\n');
    for (const chunkBytes of [64, 100, 1 << 16]) {
      const err = await parseErrorOf(readAll(openCsvSource(file, {}, { chunkBytes })));
      expect(err.message).toBe('line 151: expected 3 fields as in the header, found 4');
    }
  });

  test('switches between parsed and quote-free blocks within one file', async () => {
    const file = path.join(tmp, 'plain-mixed.csv');
    const lines = ['a,b'];
    for (let i = 1; i <= 300; i++) lines.push(i % 100 === 0 ? `${i},"q,${i}"` : `${i},v${i}`);
    await writeFile(file, lines.join('\n') + '\n');
    const { rows } = await readAll(openCsvSource(file, {}, { chunkBytes: 64 }));
    expect(rows).toHaveLength(300);
    expect(rows[99]).toEqual(['100', 'q,100']);
    expect(rows[100]).toEqual(['101', 'v101']);
    expect(rows).toEqual((await readAll(openCsvSource(file, {}))).rows);
  });
});
