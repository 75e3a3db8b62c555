/**
 * The XML loader's fast paths (the flat record scan and the template match,
 * which lets a record lack some of the template's fields) against its
 * general parser: random documents of regular, irregular and odd records
 * must load as `recordFields` reads each record on its own.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadXmlTable } from '../../lib/engine/xml/index.js';
import { recordFields } from '../../lib/engine/xml/record-fields.js';
import { parseRecordTree } from '../../lib/engine/xml/record-tree.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = 20261203;
let dir: string;
let db: DuckDBConnection;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-template-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

type Row = Record<string, string | null>;

/** Field names: `a` is a prefix of `ab`, so a name must be matched whole. */
const NAMES = ['a', 'ab', 'b', 'c', 'row'];
const VALUES = ['1', 'x y', '', 'k&amp;v', 'é€', ' 2 ', 'NA'];

/** One child element of a record: mostly `<n>v</n>`, sometimes empty or with an attribute. */
const child = fc
  .tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), fc.nat(9))
  .map(([name, value, shape]) => {
    if (shape === 0) return `<${name}/>`;
    if (shape === 1) return `<${name} q="1">${value}</${name}>`;
    return `<${name}>${value}</${name}>`;
  });

/** A record: the previous layout with fields dropped (the common case), or any children. */
const record = fc
  .tuple(
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.array(child, { maxLength: 5 }),
    fc.nat(5),
    fc.constantFrom('', '\n  ', ' '),
  )
  .map(([keep, kids, kind, space]) => {
    let fields: string[];
    if (kind < 4) {
      // The usual layout, some fields missing (nulls), in order.
      fields = ['a', 'ab', 'b', 'c']
        .map((name, i) => (keep[i] ? `<${name}>${VALUES[(i + kind) % VALUES.length]}</${name}>` : ''))
        .filter((f) => f !== '');
    } else fields = kids;
    return `<row>${space}${fields.join(space)}${space}</row>`;
  });

/** Each record read alone by the general parser, as a row of the table's columns. */
function expected(records: readonly string[]): { columns: string[]; rows: Row[] } {
  const columns: string[] = [];
  const rows = records.map((text) => {
    const row: Row = {};
    for (const [name, value] of recordFields(parseRecordTree(text))) {
      if (!columns.includes(name)) columns.push(name);
      row[name] = value;
    }
    return row;
  });
  return { columns, rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))) };
}

test('records load as the general parser reads them, whatever fields they lack or add', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(record, { minLength: 1, maxLength: 40 }),
      fc.constantFrom(1 << 20, 64, 7),
      async (records, chunkBytes) => {
        const file = path.join(dir, `t${++n}.xml`);
        await writeFile(file, `<rows>\n${records.join('\n')}\n</rows>\n`);
        const table = `t${n}`;
        const loaded = await loadXmlTable(db, file, table, {}, { chunkBytes });
        const want = expected(records);
        expect(loaded.columns).toEqual(want.columns);
        if (want.columns.length === 0) return;
        const reader = await db.runAndReadAll(`SELECT * FROM ${table}`);
        expect(reader.getRowObjectsJS() as Row[]).toEqual(want.rows);
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
});

test('a record lacking fields of the one before keeps its cells in their columns', async () => {
  const file = path.join(dir, `t${++n}.xml`);
  await writeFile(
    file,
    '<rows><row><a>1</a><ab>2</ab><b>3</b></row><row><ab>4</ab></row><row><a>5</a><b>6</b></row>' +
      '<row><b>7</b><a>8</a></row><row><a>9</a><a>10</a></row><row/><row><b>11</b></row></rows>',
  );
  const loaded = await loadXmlTable(db, file, `t${n}`);
  expect(loaded.columns).toEqual(['a', 'ab', 'b']);
  const rows = (await db.runAndReadAll(`SELECT * FROM t${n}`)).getRowObjectsJS();
  expect(rows).toEqual([
    { a: '1', ab: '2', b: '3' },
    { a: null, ab: '4', b: null },
    { a: '5', ab: null, b: '6' },
    { a: '8', ab: null, b: '7' },
    { a: '["9","10"]', ab: null, b: null },
    { a: null, ab: null, b: null },
    { a: null, ab: null, b: '11' },
  ]);
});
