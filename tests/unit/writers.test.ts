/**
 * Exact output of the text writers (CSV, JSON, NDJSON, XML) on a small table
 * with nulls, quotes, delimiters, line breaks, Unicode, awkward numbers and
 * raw text cells, written through a real Storage.
 */
import * as aq from 'arquero';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnsupportedFormatError } from '../../lib/errors.js';
import { Storage } from '../../lib/storage/storage.js';
import type { ColumnSpec, OutputFormat } from '../../lib/types.js';
import { createWriter, csvField, numberText } from '../../lib/writers/index.js';
import { EMIT_AT } from '../../lib/writers/text-emitter.js';
import { MemorySink, writeTables } from './support/write-table.js';

let base: string;
let storage: Storage;
let counter = 0;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'writers-'));
  storage = new Storage(base);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const SCHEMA: ColumnSpec[] = [
  { name: 'id', type: 'number' },
  { name: 'name', type: 'string' },
  { name: 'price', type: 'number' },
  { name: 'ok', type: 'boolean' },
  { name: 'note', type: 'string' },
];

/** Raw cells as readers give them: text from CSV/XML, typed values from JSON/Parquet. */
function sample(): aq.ColumnTable {
  return aq.table({
    id: [1, '2', 3, 4, null],
    name: ['plain', 'a,b', 'line1\nline2\r\nline3', 'café 😀', null],
    price: ['1.50', 0.1 + 0.2, 1e21, -0, 'n/a?'],
    ok: [true, 'FALSE', null, false, 'yes'],
    note: [null, 'say "hi"', ' padded ', '', 12.5],
  });
}

async function textOf(format: OutputFormat, schema: readonly ColumnSpec[], ...batches: aq.ColumnTable[]) {
  const { bytes } = await writeTables(storage, `out/t${++counter}.${format}`, format, schema, batches);
  return bytes.toString('utf8');
}

describe('csv', () => {
  test('writes a header, quotes per RFC 4180, keeps raw numeric text and leaves nulls empty', async () => {
    expect(await textOf('csv', SCHEMA, sample())).toBe(
      'id,name,price,ok,note\n' +
        '1,plain,1.50,true,\n' +
        '2,"a,b",0.30000000000000004,false,"say ""hi"""\n' +
        '3,"line1\nline2\r\nline3",1e+21,," padded "\n' +
        '4,café 😀,-0,false,""\n' +
        ',,,,12.5\n',
    );
  });

  test('quotes header names that need it', async () => {
    const schema: ColumnSpec[] = [
      { name: 'a,b', type: 'number' },
      { name: 'say "x"', type: 'number' },
    ];
    expect(await textOf('csv', schema)).toBe('"a,b","say ""x"""\n');
  });

  test('writes a one-column null as "" so that the row is not a blank line', async () => {
    const schema: ColumnSpec[] = [{ name: 'v', type: 'string' }];
    expect(await textOf('csv', schema, aq.table({ v: ['a', null, 'b'] }))).toBe('v\na\n""\nb\n');
  });

  test('keeps every digit of a long numeric text in a number column', async () => {
    const schema: ColumnSpec[] = [{ name: 'n', type: 'number' }];
    const t = aq.table({ n: ['12345678901234567890', '-0.000', '.5', 7] });
    expect(await textOf('csv', schema, t)).toBe('n\n12345678901234567890\n-0.000\n.5\n7\n');
  });

  test('csvField quotes leading and trailing tabs and CR alone', () => {
    expect(csvField('\tx')).toBe('"\tx"');
    expect(csvField('x\r')).toBe('"x\r"');
    expect(csvField('x y')).toBe('x y');
  });
});

describe('json and ndjson', () => {
  test('json writes one array, records separated by ",\\n", keys in schema order', async () => {
    expect(await textOf('json', SCHEMA, sample())).toBe(
      '[{"id":1,"name":"plain","price":1.5,"ok":true,"note":null},\n' +
        '{"id":2,"name":"a,b","price":0.30000000000000004,"ok":false,"note":"say \\"hi\\""},\n' +
        '{"id":3,"name":"line1\\nline2\\r\\nline3","price":1e+21,"ok":null,"note":" padded "},\n' +
        '{"id":4,"name":"café 😀","price":-0,"ok":false,"note":""},\n' +
        '{"id":null,"name":null,"price":null,"ok":null,"note":"12.5"}]\n',
    );
  });

  test('json output parses back to the coerced values, -0 included', async () => {
    const parsed = JSON.parse(await textOf('json', SCHEMA, sample())) as Record<string, unknown>[];
    expect(parsed).toHaveLength(5);
    expect(Object.is(parsed[3]!.price, -0)).toBe(true);
    expect(parsed[2]!.price).toBe(1e21);
    expect(parsed[1]!.price).toBe(0.1 + 0.2);
  });

  test('ndjson writes one object per line', async () => {
    const schema: ColumnSpec[] = [
      { name: 'a', type: 'number' },
      { name: 'b', type: 'string' },
    ];
    expect(await textOf('ndjson', schema, aq.table({ a: [1, null], b: ['x\ty', 'é'] }))).toBe(
      '{"a":1,"b":"x\\ty"}\n{"a":null,"b":"é"}\n',
    );
  });

  test('an empty result is [] in json and nothing in ndjson', async () => {
    expect(await textOf('json', SCHEMA)).toBe('[]\n');
    expect(await textOf('ndjson', SCHEMA)).toBe('');
  });

  test('non-finite numbers, which JSON cannot hold, are written as null', async () => {
    const schema: ColumnSpec[] = [{ name: 'x', type: 'number' }];
    expect(await textOf('ndjson', schema, aq.table({ x: [NaN, Infinity, -Infinity] }))).toBe(
      '{"x":null}\n{"x":null}\n{"x":null}\n',
    );
  });
});

describe('xml', () => {
  test('writes rows of elements, escapes text and omits null cells', async () => {
    expect(await textOf('xml', SCHEMA, sample())).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n' +
        '<row><id>1</id><name>plain</name><price>1.5</price><ok>true</ok></row>\n' +
        '<row><id>2</id><name>a,b</name><price>0.30000000000000004</price><ok>false</ok><note>say "hi"</note></row>\n' +
        '<row><id>3</id><name>line1\nline2&#13;\nline3</name><price>1e+21</price><note> padded </note></row>\n' +
        '<row><id>4</id><name>café 😀</name><price>-0</price><ok>false</ok><note></note></row>\n' +
        '<row><note>12.5</note></row>\n' +
        '</rows>\n',
    );
  });

  test('an empty result is an empty root element', async () => {
    expect(await textOf('xml', SCHEMA)).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n</rows>\n');
  });
});

describe('every text format', () => {
  const TEXT_FORMATS: OutputFormat[] = ['csv', 'json', 'ndjson', 'xml'];
  const schema: ColumnSpec[] = [
    { name: 'k', type: 'string' },
    { name: 'v', type: 'number' },
  ];
  const full = aq.table({ k: ['a', 'b', 'c', 'd', 'e'], v: [1, 2, 3, 4, 5] });

  test.each(TEXT_FORMATS)('%s writes only the rows of a filtered table', async (format) => {
    const filtered = full.filter('d => d.v % 2 === 1');
    expect(filtered.isFiltered()).toBe(true);
    const expected = aq.table({ k: ['a', 'c', 'e'], v: [1, 3, 5] });
    expect(await textOf(format, schema, filtered)).toBe(await textOf(format, schema, expected));
  });

  test.each(TEXT_FORMATS)('%s writes an ordered table in its order', async (format) => {
    const ordered = full.orderby(aq.desc('v'));
    const expected = aq.table({ k: ['e', 'd', 'c', 'b', 'a'], v: [5, 4, 3, 2, 1] });
    expect(await textOf(format, schema, ordered)).toBe(await textOf(format, schema, expected));
  });

  test.each(TEXT_FORMATS)(
    '%s writes several batches as one table, a missing column as nulls',
    async (format) => {
      const b1 = aq.table({ k: ['a'], v: [1] });
      const b2 = aq.table({ v: [2], extra: ['ignored'] });
      const whole = aq.table({ k: ['a', null], v: [1, 2] });
      expect(await textOf(format, schema, b1, b2)).toBe(await textOf(format, schema, whole));
    },
  );

  test.each(TEXT_FORMATS)(
    '%s hands a large batch to the sink in pieces, never as one string',
    async (format) => {
      const n = 100_000;
      const big = aq.table({
        k: Array.from({ length: n }, (_, i) => `key-${i}`),
        v: Array.from({ length: n }, (_, i) => i),
      });
      const sink = new MemorySink();
      const writer = createWriter(format, sink, schema);
      await writer.write(big);
      await writer.close();
      expect(sink.chunks.length).toBeGreaterThan(1);
      for (const c of sink.chunks) expect(c.length).toBeLessThan(EMIT_AT + 1000);
    },
  );

  test.each(TEXT_FORMATS)('%s refuses to write after close', async (format) => {
    const writer = createWriter(format, new MemorySink(), schema);
    await writer.close();
    await expect(writer.write(full)).rejects.toThrow(/after close/);
  });
});

test('numberText gives the shortest round-trip form, -0 as -0 and null for non-finite numbers', () => {
  expect(numberText(0.1 + 0.2)).toBe('0.30000000000000004');
  expect(numberText(1e21)).toBe('1e+21');
  expect(numberText(-0)).toBe('-0');
  expect(numberText(0)).toBe('0');
  expect(numberText(5e-324)).toBe('5e-324');
  expect(numberText(NaN)).toBeNull();
  expect(numberText(-Infinity)).toBeNull();
});

test('createWriter refuses a format it does not write', () => {
  expect(() => createWriter('tsv' as OutputFormat, new MemorySink(), [])).toThrow(UnsupportedFormatError);
});
