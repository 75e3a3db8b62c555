/**
 * loadXmlTable against a real in-memory DuckDB: the behaviours of the old
 * XML reader (tests/unit/readers-xml.test.ts), plus columns appearing late,
 * several data chunks, progress and the record size limit.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseError } from '../../lib/errors.js';
import { loadXmlTable, MAX_ELEMENT_DEPTH, type XmlLoadTuning } from '../../lib/engine/xml/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/readers-xml');
const fixture = (name: string): string => path.join(FIXTURES, name);

let dir: string;
let db: DuckDBConnection;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-load-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

type Row = Record<string, string | null>;

async function loadFile(
  file: string,
  recordTag?: string,
  tuning: XmlLoadTuning = {},
): Promise<{ columns: string[]; rows: Row[] }> {
  const table = `t "${++n}"`;
  const result = await loadXmlTable(db, file, table, recordTag === undefined ? {} : { recordTag }, tuning);
  const reader = await db.runAndReadAll(`SELECT * FROM "${table.replaceAll('"', '""')}"`);
  expect(reader.currentRowCount).toBe(result.rows);
  return { columns: result.columns, rows: reader.getRowObjectsJS() as Row[] };
}

async function load(xml: string | Buffer, recordTag?: string, tuning: XmlLoadTuning = {}): Promise<Row[]> {
  const file = path.join(dir, `f${++n}.xml`);
  await writeFile(file, xml);
  return (await loadFile(file, recordTag, tuning)).rows;
}

async function parseErrorOf(promise: Promise<unknown>): Promise<ParseError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParseError);
  return err as ParseError;
}

const PEOPLE: Row[] = [
  {
    id: '1',
    'x:role': 'admin',
    name: 'Zoë & Léa',
    age: '41',
    'address.city': 'Lyon',
    'address.zip': '69001',
    'price.currency': 'EUR',
    price: '12.50',
    tag: null,
    '@id': null,
    note: null,
  },
  {
    id: '2',
    'x:role': null,
    name: null,
    age: null,
    'address.city': null,
    'address.zip': null,
    'price.currency': null,
    price: null,
    tag: '["a","b"]',
    '@id': null,
    note: null,
  },
  {
    id: 'dup',
    'x:role': null,
    name: '<b>bold</b> & "quoted"',
    age: 'NA',
    'address.city': null,
    'address.zip': null,
    'price.currency': null,
    price: null,
    tag: null,
    '@id': '3',
    note: 'café 😀 <ok> \'q\' "d"',
  },
];

describe('records and fields', () => {
  test('reads the children of the root as records, with attributes, nesting, repeats, CDATA and entities', async () => {
    const { columns, rows } = await loadFile(fixture('people.xml'));
    expect(rows).toEqual(PEOPLE);
    expect(columns).toEqual(Object.keys(PEOPLE[0]!));
  });

  test('gives the same rows whatever the read size, even one byte at a time', async () => {
    for (const chunkBytes of [1, 2, 7, 64]) {
      expect((await loadFile(fixture('people.xml'), undefined, { chunkBytes })).rows).toEqual(PEOPLE);
    }
  });

  test('takes the elements named by record_tag wherever they are, the outermost when they nest', async () => {
    const { rows } = await loadFile(fixture('export.xml'), 'item');
    expect(rows).toEqual([
      { item: 'loose', sku: null, qty: null, label: null, 'item.qty': null },
      { item: null, sku: 'A-1', qty: '3', label: 'Crème brûlée', 'item.qty': null },
      { item: null, sku: 'B-2', qty: '-', label: 'Smørrebrød', 'item.qty': '9' },
    ]);
  });

  test('takes the root itself as the one record when record_tag names it', async () => {
    expect(await load('<person id="7"><name>Zoë</name></person>', 'person')).toEqual([
      { id: '7', name: 'Zoë' },
    ]);
  });

  test('counts lines of a file with a BOM and CRLF line ends', async () => {
    const xml = '\uFEFF<rows>\r\n<row><a>1</a></row>\r\n<row><a>2</b></row>\r\n</rows>\r\n';
    expect((await load(xml.replace('</b>', '</a>'))).map((r) => r.a)).toEqual(['1', '2']);
    expect((await parseErrorOf(load(xml))).details).toEqual({ record: 2, line: 3 });
  });

  test('keeps values as raw text, spaces included, with no null markers, and reads missing or empty elements as NULL', async () => {
    const rows = await load(
      '<r><x v="NA"><a> 007 </a><b>1e3</b><c>true</c><d/></x><x><a></a><e>  </e><f k=""/></x></r>',
    );
    expect(rows).toEqual([
      { v: 'NA', a: ' 007 ', b: '1e3', c: 'true', d: null, e: null, 'f.k': null, f: null },
      { v: null, a: null, b: null, c: null, d: null, e: '  ', 'f.k': null, f: null },
    ]);
  });

  test('keeps repeated elements with structure as a JSON array of objects', async () => {
    const rows = await load(
      '<r><o id="7"><line n="1"><sku>a</sku></line><line n="2"><sku>b</sku><sku>c</sku></line></o></r>',
    );
    expect(rows).toEqual([{ id: '7', line: '[{"n":"1","sku":"a"},{"n":"2","sku":["b","c"]}]' }]);
  });

  test('orders columns as the old reader when an attribute is named like a child, and lets the last of two same-named fields win', async () => {
    expect(await load('<rows><a a="1"><a>2</a></a><a><a>3</a></a></rows>')).toEqual([
      { '@a': '1', a: '2' },
      { '@a': null, a: '3' },
    ]);
    // The record's text goes under its tag name, then the child of the same name replaces it.
    expect(await load('<rows><row>t<row>u</row></row></rows>')).toEqual([{ row: 'u' }]);
  });

  test('reads a record made of text only under its tag name', async () => {
    expect(await load('<tags><tag>a</tag><tag kind="x">b</tag><tag/></tags>')).toEqual([
      { tag: 'a', kind: null },
      { tag: 'b', kind: 'x' },
      { tag: null, kind: null },
    ]);
  });

  test('decodes character references, common HTML entities and CR written as &#13;, normalises raw CR, leaves unknown entities, keeps CDATA verbatim', async () => {
    const rows = await load(
      '<r><x><a>1&#13;&#10;2</a><b>&#x41;&#66;&nbsp;&copy;&eacute;</b><c>&amp;lt;</c><d><![CDATA[&amp; ]]]]><![CDATA[>]]></d><e>1\r\n2\r3</e></x></r>',
    );
    expect(rows).toEqual([{ a: '1\r\n2', b: 'AB\u00a0©&eacute;', c: '&lt;', d: '&amp; ]]>', e: '1\n2\n3' }]);
  });

  test('skips comments, processing instructions and namespace declarations', async () => {
    const xml =
      '<?xml version="1.0"?><!-- <row><a>no</a></row> --><r xmlns="urn:x"><!--c--><?pi <row>?>' +
      '<row xmlns:p="urn:p"><a>1<!-- in --></a><?pi x?></row></r><!-- after -->';
    expect(await load(xml)).toEqual([{ a: '1' }]);
  });

  test('gives an empty table, no column, for a root without records', async () => {
    const { columns, rows } = await loadFile(fixture('export.xml'), 'nothing');
    expect(columns).toEqual([]);
    expect(rows).toEqual([]);
  });
});

describe('streaming', () => {
  test('adds a column first seen after several data chunks, null in the rows before', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) =>
      i === 9_000 ? `<row><i>${i}</i><late>x</late></row>` : `<row><i>${i}</i></row>`,
    );
    const file = path.join(dir, 'late.xml');
    await writeFile(file, `<rows>\n${rows.join('\n')}\n</rows>\n`);
    const { columns, rows: read } = await loadFile(file);
    expect(columns).toEqual(['i', 'late']);
    expect(read).toHaveLength(12_000);
    expect(read[8_999]).toEqual({ i: '8999', late: null });
    expect(read[9_000]).toEqual({ i: '9000', late: 'x' });
    expect(read[11_999]).toEqual({ i: '11999', late: null });
  });

  test('keeps document order and every cell over many chunks, long strings and decoded ones included', async () => {
    const body = Array.from(
      { length: 10_000 },
      (_, i) => `<row n="${i}"><s>${'long text number '.repeat(i % 3)}${i}</s><e>a&amp;${i}</e></row>`,
    ).join('');
    const file = path.join(dir, 'many.xml');
    await writeFile(file, `<rows>${body}</rows>`);
    await loadXmlTable(db, file, 'many', {}, { chunkBytes: 4096 });
    const reader = await db.runAndReadAll(
      `SELECT count(*), count(DISTINCT s), min(CAST(n AS INT)), sum(CAST(n AS INT)) FILTER (WHERE e = 'a&' || n AND s LIKE '%' || n) FROM many`,
    );
    expect(reader.getRowsJS()).toEqual([[10_000n, 10_000n, 0, 49_995_000n]]);
  });

  test('keeps field names apart when the read buffers are reused, names of one length alternating', async () => {
    const body = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? `<row><aa>${i}</aa></row>` : `<row><bb>${i}</bb><aa/></row>`,
    ).join('');
    for (const chunkBytes of [16, 50]) {
      const rows = await load(`<rows>${body}</rows>`, undefined, { chunkBytes });
      expect(rows).toEqual(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0 ? { aa: String(i), bb: null } : { aa: null, bb: String(i) },
        ),
      );
    }
  });

  test('reads records of one layout the same as any other, through layout changes, entities, empty and self-closing fields', async () => {
    const records = [
      '<row><a>1</a><b>x</b></row>',
      '<row>\n  <a>2</a>\n  <b>y &amp; z</b>\n</row>',
      '<row><a/><b></b></row>',
      '<row><a>4</a><b>1\r\n2</b></row>',
      '<row><b>5</b><a>6</a></row>',
      '<row><a>7</a><b><!-- c -->8</b></row>',
      '<row><a>9</a></row>',
      '<row><a>10</a><b>w</b><c>new</c></row>',
      '<row><a>11</a><b>v</b><c>u</c></row>',
      '<row><a>12</a><a>13</a></row>',
    ];
    const expected = [
      { a: '1', b: 'x', c: null },
      { a: '2', b: 'y & z', c: null },
      { a: null, b: null, c: null },
      { a: '4', b: '1\n2', c: null },
      { a: '6', b: '5', c: null },
      { a: '7', b: '8', c: null },
      { a: '9', b: null, c: null },
      { a: '10', b: 'w', c: 'new' },
      { a: '11', b: 'v', c: 'u' },
      { a: '["12","13"]', b: null, c: null },
    ];
    for (const chunkBytes of [5, 1 << 20]) {
      expect(await load(`<rows>${records.join('')}</rows>`, undefined, { chunkBytes })).toEqual(expected);
    }
  });

  test('reports progress in bytes, ending with the file size', async () => {
    const file = path.join(dir, 'progress.xml');
    await writeFile(file, `<rows>${'<row><a>1</a></row>'.repeat(1000)}</rows>`);
    const calls: [number, number][] = [];
    await loadXmlTable(db, file, 'progress', { onProgress: (read, total) => calls.push([read, total]) });
    const size = Buffer.byteLength(`<rows>${'<row><a>1</a></row>'.repeat(1000)}</rows>`);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.at(-1)).toEqual([size, size]);
  });

  test('reassembles a record split across reads, inside a quoted value, a CDATA section or a comment', async () => {
    const xml =
      '<rows><row a="x > y" b=\'it"s\'><c><![CDATA[1 </c> 2]]></c><!-- </row> --><d>é😀</d></row>' +
      '<row a="2"/></rows>';
    const expected = [
      { a: 'x > y', b: 'it"s', c: '1 </c> 2', d: 'é😀' },
      { a: '2', b: null, c: null, d: null },
    ];
    for (const chunkBytes of [1, 3, 5, 1024])
      expect(await load(xml, undefined, { chunkBytes })).toEqual(expected);
  });
});

describe('refused input', () => {
  test('refuses an entity-expansion bomb instead of expanding it', async () => {
    const err = await parseErrorOf(loadFile(fixture('bomb.xml')));
    expect(err.message).toMatch(/line 2: DTD entity declarations are refused/);
  });

  test('refuses an external entity, never reading what it points to', async () => {
    const err = await parseErrorOf(loadFile(fixture('xxe.xml')));
    expect(err.message).toMatch(/entity declarations are refused/);
    expect(err.message).not.toMatch(/root:/);
  });

  test.each([
    [
      'an unbalanced quote',
      'unbalanced-quote.xml',
      /^record 2, line 3: attribute value of <row> not closed/,
      2,
      3,
    ],
    ['a mismatched tag', 'mismatched.xml', /^record 2, line 3: <\/b> closes <a> opened at line 3/, 2, 3],
    [
      'a truncated file',
      'truncated.xml',
      /^record 3, line 4: unexpected end of file: <a> opened at line 4/,
      3,
      4,
    ],
  ])('reports %s with its record and line', async (_what, name, message, record, line) => {
    for (const chunkBytes of [undefined, 3]) {
      const err = await parseErrorOf(loadFile(fixture(name), undefined, chunkBytes ? { chunkBytes } : {}));
      expect(err.message).toMatch(message);
      expect(err.details).toEqual({ record, line });
    }
  });

  test.each([
    ['an empty file', '', /no XML root element/],
    ['plain text', 'just text', /no XML root element/],
    ['a second root', '<rows><row/></rows><rows/>', /content after the root element/],
    ['an unclosed comment', '<rows><row/><!-- open', /end of file inside a tag/],
    ['a stray closing tag', '</rows>', /unexpected <\/rows>/],
    ['a tag broken by another', '<rows><row a="1"<b/></row></rows>', /tag <row> not closed by '>'/],
    ['a DOCTYPE inside the document', '<rows><!DOCTYPE x><row/></rows>', /unexpected markup declaration/],
  ])('reports %s', async (_what, xml, message) => {
    expect((await parseErrorOf(load(xml))).message).toMatch(message);
  });

  test('refuses names that would pollute prototypes, naming the record', async () => {
    const err = await parseErrorOf(load('<r><row><a>1</a></row><row><__proto__>x</__proto__></row></r>'));
    expect(err.message).toMatch(/^record 2, line 1: .*__proto__/);
  });

  test('reports invalid UTF-8 with its line', async () => {
    const err = await parseErrorOf(loadFile(fixture('invalid-utf8.xml')));
    expect(err.message).toMatch(/line 2: invalid UTF-8/);
  });

  test('stops at the element depth limit of the document, and at 64 levels inside a record', async () => {
    const nest = (levels: number): string => '<n>'.repeat(levels) + '1' + '</n>'.repeat(levels);
    const deepest = MAX_ELEMENT_DEPTH - 3;
    const ok = load(`<rows><row><a>${nest(deepest)}</a></row></rows>`);
    expect((await parseErrorOf(ok)).message).toMatch(/^record 1, line 1: .*over 64 levels/);
    const err = await parseErrorOf(load(`<rows><row><a>${nest(deepest + 1)}</a></row></rows>`));
    expect(err.message).toBe(`record 1, line 1: elements nest over ${MAX_ELEMENT_DEPTH} levels`);
  });

  test('refuses a record longer than the limit instead of buffering it', async () => {
    const xml = `<rows><row><a>${'x'.repeat(5000)}</a></row></rows>`;
    const err = await parseErrorOf(load(xml, undefined, { chunkBytes: 512, maxRecordBytes: 2000 }));
    expect(err.message).toMatch(/record 1, line 1: a record or tag runs over 2000 bytes/);
  });
});
