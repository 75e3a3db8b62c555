/**
 * XML writer details: column names made into valid, distinct element names,
 * and text escaping of markup and characters XML 1.0 cannot hold.
 */
import * as aq from 'arquero';
import { XMLValidator } from 'fast-xml-parser';
import type { ColumnSpec } from '../../lib/types.js';
import { XmlWriter, xmlName, xmlNames, xmlText } from '../../lib/writers/index.js';
import { MemorySink } from './support/write-table.js';

describe('xmlName', () => {
  test.each([
    ['amount', 'amount'],
    ['address.city', 'address.city'],
    ['first-name', 'first-name'],
    ['café', 'café'],
    ['名前', '名前'],
    ['order id', 'order_id'],
    ['a:b', 'a_b'],
    ['price ($)', 'price____'],
    ['2nd', '_2nd'],
    ['-x', '_-x'],
    ['.x', '_.x'],
    ['xml_id', '_xml_id'],
    ['XMLData', '_XMLData'],
    ['', '_'],
    ['@attr', '_attr'],
    ['a\ud800b', 'a_b'],
    ['😀', '😀'],
  ])('%j becomes %j', (name, expected) => {
    expect(xmlName(name)).toBe(expected);
  });
});

describe('xmlNames', () => {
  test('keeps valid names and gives renamed ones the first free numeric suffix', () => {
    expect(xmlNames(['a b', 'a_b', 'a-b', 'a/b', 'a_b_2'])).toEqual([
      'a_b_3',
      'a_b',
      'a-b',
      'a_b_4',
      'a_b_2',
    ]);
  });

  test('is deterministic and yields distinct names', () => {
    const names = ['1', '_1', '1 ', ' 1', '', '_', 'xml', '_xml'];
    const first = xmlNames(names);
    expect(xmlNames(names)).toEqual(first);
    expect(new Set(first).size).toBe(names.length);
    expect(first).toEqual(['_1_2', '_1', '_1_', '_1_3', '__2', '_', '_xml_2', '_xml']);
  });
});

describe('xmlText', () => {
  test('escapes &, < and >, and CR as a character reference', () => {
    expect(xmlText('a & b < c > d\r\n')).toBe('a &amp; b &lt; c &gt; d&#13;\n');
  });

  test('replaces characters XML 1.0 forbids with U+FFFD and keeps tab, LF and astral characters', () => {
    expect(xmlText('\u0000x\u0001\u000b\u000c\u001f\ufffe\uffff')).toBe(
      '\ufffdx\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd',
    );
    expect(xmlText('lone \ud800 and \udc00')).toBe('lone \ufffd and \ufffd');
    expect(xmlText('tab\tlf\n😀')).toBe('tab\tlf\n😀');
  });

  test('returns the same string when there is nothing to escape', () => {
    const s = 'plain text, "quotes" and \'apostrophes\'';
    expect(xmlText(s)).toBe(s);
  });
});

test('a file with awkward column names and text is well-formed XML', async () => {
  const schema: ColumnSpec[] = [
    { name: '1st col', type: 'string' },
    { name: 'xml', type: 'number' },
    { name: 'a<b>', type: 'boolean' },
  ];
  const sink = new MemorySink();
  const writer = new XmlWriter(sink, schema);
  await writer.write(aq.table({ '1st col': ['<tag> & \u0007', ']]>'], xml: [1, 2], 'a<b>': [true, null] }));
  await writer.close();
  const text = sink.text();
  expect(XMLValidator.validate(text)).toBe(true);
  expect(text).toContain(
    '<row><_1st_col>&lt;tag&gt; &amp; \ufffd</_1st_col><_xml>1</_xml><a_b_>true</a_b_></row>',
  );
  expect(text).toContain('<row><_1st_col>]]&gt;</_1st_col><_xml>2</_xml></row>');
});
