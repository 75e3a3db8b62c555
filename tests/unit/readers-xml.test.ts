import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ParseError } from '../../lib/errors.js';
import { openXmlSource } from '../../lib/readers/xml.js';
import type { ReadOptions, Scalar } from '../../lib/types.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(
  xml: string,
  options: ReadOptions = {},
  chunkBytes?: number,
): Promise<Record<string, Scalar>[]> {
  const file = path.join(dir, `f${++n}.xml`);
  await writeFile(file, xml);
  const rows: Record<string, Scalar>[] = [];
  const tuning = chunkBytes ? { chunkBytes } : {};
  for await (const batch of openXmlSource(file, options, tuning).batches()) {
    rows.push(...(batch.table.objects() as Record<string, Scalar>[]));
  }
  return rows;
}

const SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by the web UI -->
<!DOCTYPE people>
<people>
  <person id="1"><name>Zoë &amp; Léa</name><age>41</age><address><city>Lyon</city></address></person>
  <person id="2"><name/><age>NA</age><tag>a</tag><tag>b</tag></person>
  <person id="3"><name><![CDATA[<b>bold</b>]]></name><id>dup</id><note>caf&#233; &#x1F600;</note></person>
</people>
`;

describe('xml reader', () => {
  test('reads the children of the root as records, with attributes, nesting and repeats', async () => {
    const rows = await read(SAMPLE);
    expect(rows).toEqual([
      { id: '1', name: 'Zoë & Léa', age: '41', 'address.city': 'Lyon', tag: null, '@id': null, note: null },
      { id: '2', name: null, age: null, 'address.city': null, tag: '["a","b"]', '@id': null, note: null },
      {
        id: 'dup',
        name: '<b>bold</b>',
        age: null,
        'address.city': null,
        tag: null,
        '@id': '3',
        note: 'café 😀',
      },
    ]);
  });

  test('gives the same records whatever the read size, even one byte at a time', async () => {
    expect(await read(SAMPLE, {}, 1)).toEqual(await read(SAMPLE));
    expect(await read(SAMPLE, {}, 7)).toEqual(await read(SAMPLE));
  });

  test('takes the elements named by record_tag wherever they are', async () => {
    const xml =
      '<export><meta><version>2</version></meta><items><item><v>1</v></item><item><v>2</v></item></items></export>';
    expect(await read(xml, { record_tag: 'item' })).toEqual([{ v: '1' }, { v: '2' }]);
  });

  test('applies custom null values', async () => {
    expect(await read('<r><x><v>-</v></x><x><v>NA</v></x></r>', { null_values: ['-'] })).toEqual([
      { v: null },
      { v: 'NA' },
    ]);
  });

  test('refuses an entity-expansion bomb instead of expanding it', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rows><row><a>&lol2;</a></row></rows>';
    await expect(read(bomb)).rejects.toThrow(/entity declarations are refused/);
  });

  test('refuses an external entity', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><row><a>&x;</a></row></r>';
    await expect(read(xxe)).rejects.toThrow(ParseError);
  });

  test.each([
    ['an unbalanced quote', '<rows><row a="x>1</row></rows>', /end of file inside a tag/],
    [
      'a mismatched tag',
      '<rows>\n<row><a>1</a></row>\n<row><a>2</b></row></rows>',
      /line 3: <\/b> closes <a>/,
    ],
    [
      'a truncated file',
      '<rows>\n<row><a>1</a></row>\n<row><a>2',
      /line 3: unexpected end of file: <a> opened at line 3/,
    ],
    ['an empty file', '', /no XML root element/],
    ['text after the root', '<rows><row/></rows><rows/>', /after the root/],
  ])('reports %s with its line', async (_what, xml, message) => {
    await expect(read(xml)).rejects.toThrow(message);
  });

  test('streams a large document in several batches', async () => {
    const body = Array.from({ length: 40_000 }, (_, i) => `<row><i>${i}</i></row>`).join('\n');
    const file = path.join(dir, 'large.xml');
    await writeFile(file, `<rows>\n${body}\n</rows>`);
    let batches = 0;
    let rows = 0;
    for await (const batch of openXmlSource(file, {}).batches()) {
      batches++;
      rows += batch.table.numRows();
    }
    expect(rows).toBe(40_000);
    expect(batches).toBeGreaterThan(1);
  });
});
