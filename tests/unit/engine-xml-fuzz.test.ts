/**
 * Fuzzing loadXmlTable (fixed seed; `FUZZ_RUNS` for a longer run): random
 * bytes and mutated XML must end in a table or a ParseError, never another
 * exception, and must give the same outcome whatever the read size.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ParseError } from '../../lib/errors.js';
import { loadXmlTable } from '../../lib/engine/xml/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = 20261202;
let dir: string;
let db: DuckDBConnection;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xml-fuzz-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const SEEDS = [
  '<?xml version="1.0"?><rows><row a="1"><b>2</b><c x="y">t&amp;</c></row><row><b/><d><e>1</e><e>2</e></d></row></rows>',
  '<r><x><![CDATA[a]]><!-- c --><?p q?><y>1</y></x></r>',
  '<!DOCTYPE r><r xmlns:p="u"><p:x p:a="1">v</p:x></r>',
];

/** XML-ish text: a seed cut, spliced with random text, or markup pieces put together. */
const xmlish = fc.oneof(
  fc
    .tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.string({ maxLength: 40 }), fc.nat())
    .map(([seed, at, insert, drop]) => {
      const i = at % (seed.length + 1);
      return seed.slice(0, i) + insert + seed.slice(i + (drop % 8));
    }),
  fc
    .array(
      fc.constantFrom(
        '<r>',
        '</r>',
        '<a>',
        '</a>',
        '<b x="1">',
        '</b>',
        '<c/>',
        'text',
        '&amp;',
        '&#0;',
        '<![CDATA[',
        ']]>',
        '<!--',
        '-->',
        '"',
        "'",
        '\r\n',
        'é',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

/** The outcome of a load: the rows as JSON text, or the ParseError message. */
async function outcome(bytes: Uint8Array, chunkBytes: number): Promise<string> {
  const file = path.join(dir, `f${++n}.xml`);
  await writeFile(file, bytes);
  const table = `t${n}`;
  try {
    await loadXmlTable(db, file, table, {}, { chunkBytes });
  } catch (err) {
    if (err instanceof ParseError) return `error: ${err.message}`;
    throw new Error(`raw exception: ${String(err)}`, { cause: err });
  }
  const reader = await db.runAndReadAll(`SELECT * FROM ${table}`);
  await db.run(`DROP TABLE ${table}`);
  return JSON.stringify([reader.columnNames(), reader.getRowsJS()]);
}

test('random bytes and mutated XML end in a table or a ParseError, the same whatever the read size', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        xmlish.map((s) => new TextEncoder().encode(s)),
        fc.uint8Array({ maxLength: 300 }),
      ),
      fc.integer({ min: 1, max: 64 }),
      async (bytes, chunkBytes) => {
        expect(await outcome(bytes, chunkBytes)).toBe(await outcome(bytes, 1 << 20));
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
}, 120_000);
