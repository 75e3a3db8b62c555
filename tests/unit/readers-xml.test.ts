import * as aq from 'arquero';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openXmlSource } from '../../lib/readers/xml.js';
import { MAX_ELEMENT_DEPTH } from '../../lib/readers/xml-scanner.js';
import type { ReaderTuning } from '../../lib/readers/text-chunks.js';
import type { ColumnSpec, ReadOptions, Scalar } from '../../lib/types.js';
import { createWriter } from '../../lib/writers/index.js';
import { parseErrorOf } from './support/parse-error.js';
import { MemorySink } from './support/write-table.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/readers-xml');
const fixture = (name: string): string => path.join(FIXTURES, name);

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Row = Record<string, Scalar>;

/** Every row of a file, with the batches' sizes and first rows. */
async function readFile(
  file: string,
  options: ReadOptions = {},
  tuning: ReaderTuning = {},
): Promise<{ rows: Row[]; batches: [number, number][] }> {
  const rows: Row[] = [];
  const batches: [number, number][] = [];
  for await (const batch of openXmlSource(file, options, tuning).batches()) {
    batches.push([batch.firstRow, batch.table.numRows()]);
    // Later batches may lack columns first seen in none of their rows: objects() gives what is there.
    rows.push(...(batch.table.objects() as Row[]));
  }
  return { rows, batches };
}

async function read(
  xml: string | Buffer,
  options: ReadOptions = {},
  tuning: ReaderTuning = {},
): Promise<Row[]> {
  const file = path.join(dir, `f${++n}.xml`);
  await writeFile(file, xml);
  return (await readFile(file, options, tuning)).rows;
}

const PEOPLE = [
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
    age: null,
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
    const { rows } = await readFile(fixture('people.xml'));
    expect(rows).toEqual(PEOPLE);
    // Columns in first-seen order; the attribute that collides with a child element became '@id'.
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(PEOPLE[0]!));
  });

  test('gives the same records whatever the read size, even one byte at a time', async () => {
    for (const chunkBytes of [1, 2, 7, 64]) {
      expect((await readFile(fixture('people.xml'), {}, { chunkBytes })).rows).toEqual(PEOPLE);
    }
  });

  test('takes the elements named by record_tag wherever they are, the outermost when they nest', async () => {
    const { rows } = await readFile(fixture('export.xml'), { record_tag: 'item' });
    expect(rows).toEqual([
      { item: 'loose', sku: null, qty: null, label: null, 'item.qty': null },
      { item: null, sku: 'A-1', qty: '3', label: 'Crème brûlée', 'item.qty': null },
      { item: null, sku: 'B-2', qty: '-', label: 'Smørrebrød', 'item.qty': '9' },
    ]);
  });

  test('takes the root itself as the one record when record_tag names it', async () => {
    expect(await read('<person id="7"><name>Zoë</name></person>', { record_tag: 'person' })).toEqual([
      { id: '7', name: 'Zoë' },
    ]);
  });

  test('counts lines of a file with a BOM and CRLF line ends', async () => {
    const xml = '\uFEFF<rows>\r\n<row><a>1</a></row>\r\n<row><a>2</b></row>\r\n</rows>\r\n';
    expect((await read(xml.replace('</b>', '</a>'))).map((r) => r.a)).toEqual(['1', '2']);
    expect((await parseErrorOf(read(xml))).details).toEqual({ record: 2, line: 3 });
  });

  test('keeps values as raw text, spaces included, and reads missing or empty elements as null', async () => {
    const rows = await read(
      '<r><x><a> 007 </a><b>1e3</b><c>true</c><d/></x><x><a></a><e>  </e><f k=""/></x></r>',
    );
    expect(rows).toEqual([
      { a: ' 007 ', b: '1e3', c: 'true', d: null, e: null, 'f.k': null, f: null },
      { a: null, b: null, c: null, d: null, e: '  ', 'f.k': null, f: null },
    ]);
  });

  test('applies the default null markers, or the given ones instead', async () => {
    const xml = '<r><x v="NA"><w>-</w></x><x v="-"><w>None</w></x></r>';
    expect(await read(xml)).toEqual([
      { v: null, w: '-' },
      { v: '-', w: null },
    ]);
    expect(await read(xml, { null_values: ['-'] })).toEqual([
      { v: 'NA', w: null },
      { v: null, w: 'None' },
    ]);
  });

  test('keeps repeated elements with structure as a JSON array of objects', async () => {
    const rows = await read(
      '<r><o id="7"><line n="1"><sku>a</sku></line><line n="2"><sku>b</sku><sku>c</sku></line></o></r>',
    );
    expect(rows).toEqual([{ id: '7', line: '[{"n":"1","sku":"a"},{"n":"2","sku":["b","c"]}]' }]);
  });

  test('reads a record made of text only under its tag name', async () => {
    expect(await read('<tags><tag>a</tag><tag kind="x">b</tag><tag/></tags>')).toEqual([
      { tag: 'a', kind: null },
      { tag: 'b', kind: 'x' },
      { tag: null, kind: null },
    ]);
  });

  test('decodes character references, common HTML entities and CR written as &#13;, leaves unknown entities as written, keeps CDATA verbatim', async () => {
    const rows = await read(
      '<r><x><a>1&#13;&#10;2</a><b>&#x41;&#66;&nbsp;&copy;&eacute;</b><c>&amp;lt;</c><d><![CDATA[&amp; ]]]]><![CDATA[>]]></d></x></r>',
    );
    expect(rows).toEqual([{ a: '1\r\n2', b: 'AB\u00a0©&eacute;', c: '&lt;', d: '&amp; ]]>' }]);
  });

  test('skips comments, processing instructions and namespace declarations', async () => {
    const xml =
      '<?xml version="1.0"?><!-- <row><a>no</a></row> --><r xmlns="urn:x"><!--c--><?pi <row>?>' +
      '<row xmlns:p="urn:p"><a>1<!-- in --></a><?pi x?></row></r><!-- after -->';
    expect(await read(xml)).toEqual([{ a: '1' }]);
  });

  test('gives one empty batch for a root without records', async () => {
    const { rows, batches } = await readFile(fixture('export.xml'), { record_tag: 'nothing' });
    expect(rows).toEqual([]);
    expect(batches).toEqual([[1, 0]]);
  });
});

describe('streaming', () => {
  test('cuts batches of batch_size rows, numbered from the first row', async () => {
    const body = Array.from({ length: 2500 }, (_, i) => `<row i="${i}"><v>${i}</v></row>`).join('\n');
    const file = path.join(dir, 'batches.xml');
    await writeFile(file, `<rows>\n${body}\n</rows>\n`);
    const { rows, batches } = await readFile(file, { batch_size: 1000 });
    expect(batches).toEqual([
      [1, 1000],
      [1001, 1000],
      [2001, 500],
    ]);
    expect(rows[2499]).toEqual({ i: '2499', v: '2499' });
  });

  test('reassembles a record split across reads, inside a quoted value, a CDATA section or a comment', async () => {
    const xml =
      '<rows><row a="x > y" b=\'it"s\'><c><![CDATA[1 </c> 2]]></c><!-- </row> --><d>é😀</d></row>' +
      '<row a="2"/></rows>';
    const expected = [
      { a: 'x > y', b: 'it"s', c: '1 </c> 2', d: 'é😀' },
      { a: '2', b: null, c: null, d: null },
    ];
    for (const chunkBytes of [1, 3, 5, 1024]) expect(await read(xml, {}, { chunkBytes })).toEqual(expected);
  });

  test('streams a large document in several batches', async () => {
    const body = Array.from({ length: 40_000 }, (_, i) => `<row><i>${i}</i></row>`).join('\n');
    const file = path.join(dir, 'large.xml');
    await writeFile(file, `<rows>\n${body}\n</rows>`);
    const { rows, batches } = await readFile(file);
    expect(rows).toHaveLength(40_000);
    expect(batches.length).toBeGreaterThan(1);
    expect(rows[39_999]).toEqual({ i: '39999' });
  });

  test('reads back what the XML writer wrote, cell for cell', async () => {
    const schema: ColumnSpec[] = [
      { name: 'text', type: 'string' },
      { name: 'n', type: 'number' },
      { name: 'ok', type: 'boolean' },
    ];
    const text = [
      '  leading and trailing  ',
      'cr\rlf\ncrlf\r\n',
      '<tag> & "quotes" \'apos\'',
      ']]> <![CDATA[',
      'Zoë 😀 \u00a0 tab\t',
      ' ',
      null,
    ];
    const table = aq.table({
      text,
      n: [1.5, -0, 1e21, null, 0.1 + 0.2, 7, 8],
      ok: [true, false, null, true, true, false, true],
    });
    const sink = new MemorySink();
    const writer = createWriter('xml', sink, schema);
    await writer.write(table);
    await writer.close();
    const rows = await read(sink.text(), { null_values: [] });
    expect(rows.map((r) => r.text ?? null)).toEqual(text);
    expect(rows.map((r) => r.n ?? null)).toEqual([
      '1.5',
      '-0',
      '1e+21',
      null,
      '0.30000000000000004',
      '7',
      '8',
    ]);
    expect(rows.map((r) => r.ok ?? null)).toEqual(['true', 'false', null, 'true', 'true', 'false', 'true']);
  });
});

describe('refused input', () => {
  test('refuses an entity-expansion bomb instead of expanding it', async () => {
    const err = await parseErrorOf(readFile(fixture('bomb.xml')));
    expect(err.message).toMatch(/line 2: DTD entity declarations are refused/);
  });

  test('refuses an external entity, never reading what it points to', async () => {
    const err = await parseErrorOf(readFile(fixture('xxe.xml')));
    expect(err.message).toMatch(/entity declarations are refused/);
    expect(err.message).not.toMatch(/root:/);
  });

  test('refuses a DOCTYPE inside the document', async () => {
    const err = await parseErrorOf(read('<rows><!DOCTYPE x><row/></rows>'));
    expect(err.message).toMatch(/unexpected markup declaration/);
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
      const err = await parseErrorOf(readFile(fixture(name), {}, chunkBytes ? { chunkBytes } : {}));
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
  ])('reports %s', async (_what, xml, message) => {
    expect((await parseErrorOf(read(xml))).message).toMatch(message);
  });

  test('refuses names that would pollute prototypes, naming the record', async () => {
    const err = await parseErrorOf(read('<r><row><a>1</a></row><row><__proto__>x</__proto__></row></r>'));
    expect(err.message).toMatch(/^record 2, line 1: .*__proto__/);
  });

  test('reports invalid UTF-8 with its line', async () => {
    const err = await parseErrorOf(readFile(fixture('invalid-utf8.xml')));
    expect(err.message).toMatch(/line 2: invalid UTF-8/);
  });

  test('stops scanning at once one level past the element depth limit; up to it, the record parser refuses it', async () => {
    const nest = (levels: number): string => '<n>'.repeat(levels) + '1' + '</n>'.repeat(levels);
    // rows > row > a: the nest starts at depth 3, so it may take the remaining levels.
    const deepest = MAX_ELEMENT_DEPTH - 3;
    const ok = read(`<rows><row><a>${nest(deepest)}</a></row></rows>`);
    expect((await parseErrorOf(ok)).message).toMatch(/over 64 levels|Maximum nested tags exceeded/);
    const err = await parseErrorOf(read(`<rows><row><a>${nest(deepest + 1)}</a></row></rows>`));
    expect(err.message).toBe(`record 1, line 1: elements nest over ${MAX_ELEMENT_DEPTH} levels`);
  });

  test('refuses a record longer than the limit instead of buffering it', async () => {
    const xml = `<rows><row><a>${'x'.repeat(5000)}</a></row></rows>`;
    const err = await parseErrorOf(read(xml, {}, { chunkBytes: 512, maxRecordChars: 2000 }));
    expect(err.message).toMatch(/record 1, line 1: a record or tag runs over 2000 characters/);
  });
});
