/**
 * writeXmlResult against a real in-memory DuckDB: value forms, names, escaping,
 * and a round trip through loadXmlTable.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { XMLValidator } from 'fast-xml-parser';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadXmlTable, writeXmlResult } from '../../lib/engine/xml/index.js';
import { MemorySink } from './support/memory-sink.js';

let db: DuckDBConnection;
let dir: string;
beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-write-'));
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function xmlOf(sql: string): Promise<{ text: string; rows: number }> {
  const sink = new MemorySink();
  const { rows } = await writeXmlResult(await db.stream(sql), sink);
  return { text: sink.text(), rows };
}

test('writes doubles in shortest form, integers and decimals exact, booleans, dates and timestamps as ISO text', async () => {
  const { text, rows } = await xmlOf(`SELECT * FROM (VALUES
    (0.1::DOUBLE + 0.2::DOUBLE, -0.0::DOUBLE, 1325376000000000001::BIGINT, 170141183460469231731687303715884105727::HUGEINT,
     123456789012345678.12::DECIMAL(20,2), true, DATE '2024-02-29', TIMESTAMP '2024-01-01 12:30:00.123456',
     TIMESTAMPTZ '2024-01-01 12:30:00+00', 'text'),
    ('NaN'::DOUBLE, 'Infinity'::DOUBLE, NULL, NULL, NULL, false, DATE '1969-12-31', TIMESTAMP '1900-03-01 00:00:00', NULL, '')
  ) t(d, z, big, huge, dec, ok, day, ts, tz, s)`);
  expect(rows).toBe(2);
  expect(text).toBe(
    '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n' +
      '<row><d>0.30000000000000004</d><z>-0</z><big>1325376000000000001</big>' +
      '<huge>170141183460469231731687303715884105727</huge><dec>123456789012345678.12</dec><ok>true</ok>' +
      '<day>2024-02-29</day><ts>2024-01-01T12:30:00.123456</ts><tz>2024-01-01T12:30:00.000000Z</tz><s>text</s></row>\n' +
      '<row><ok>false</ok><day>1969-12-31</day><ts>1900-03-01T00:00:00.000000</ts><s></s></row>\n' +
      '</rows>\n',
  );
});

test('makes column names valid XML names and escapes text, in well-formed XML', async () => {
  const { text } = await xmlOf(`SELECT '<tag> & ' || chr(7) AS "1st col", 1 AS "xml", true AS "a<b>"`);
  expect(XMLValidator.validate(text)).toBe(true);
  expect(text).toContain(
    '<row><_1st_col>&lt;tag&gt; &amp; \ufffd</_1st_col><_xml>1</_xml><a_b_>true</a_b_></row>',
  );
});

test('streams a result of several chunks and reads back through loadXmlTable, a huge BIGINT intact', async () => {
  const { text, rows } = await xmlOf(
    `SELECT i, 1325376000000000001::BIGINT + i AS big, 'r' || i || chr(13) AS s FROM range(5000) r(i)`,
  );
  expect(rows).toBe(5000);
  const file = path.join(dir, 'round.xml');
  await writeFile(file, text);
  await loadXmlTable(db, file, 'round');
  const reader = await db.runAndReadAll(
    `SELECT count(*), max(CAST(big AS BIGINT)), count(*) FILTER (WHERE s = 'r' || i || chr(13)) FROM round`,
  );
  expect(reader.getRowsJS()).toEqual([[5000n, 1325376000000005000n, 5000n]]);
});
