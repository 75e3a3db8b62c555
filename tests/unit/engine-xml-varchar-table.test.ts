/**
 * The XML loader's table writer on its own: cells set twice in a row (two
 * fields flattening to one name) and null markers, against a real DuckDB.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { VarcharTable } from '../../lib/engine/xml/varchar-table.js';

let db: DuckDBConnection;
let n = 0;

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => db.closeSync());

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Writes one row by `fill`, then reads the table's cells back. */
async function oneRow(
  fill: (table: VarcharTable) => void,
  nullMarkers?: readonly string[],
): Promise<unknown[]> {
  const name = `vt${++n}`;
  const table = await VarcharTable.create(db, name, nullMarkers);
  await table.addColumns(['a', 'b']);
  fill(table);
  table.endRow();
  table.finish();
  return (await db.runAndReadAll(`SELECT * FROM temp.main.${name}`)).getRowsJS()[0]!;
}

describe('VarcharTable', () => {
  test.each([
    ['a long first value, then a short one', 'a value longer than 12 bytes', 'short'],
    ['a short first value, then a long one', 'short', 'a value longer than 12 bytes'],
    ['two long values', 'a value longer than 12 bytes', 'another value over 12 bytes'],
  ])('keeps the last of a cell set twice: %s', async (_what, first, last) => {
    const row = await oneRow((t) => {
      const one = bytes(first);
      const two = bytes(last);
      t.setBytes(0, one, 0, one.length);
      t.setBytes(0, two, 0, two.length);
    });
    expect(row).toEqual([last, null]);
  });

  test('stores null markers as nulls, from bytes and from decoded text', async () => {
    const row = await oneRow(
      (t) => {
        const na = bytes('xNAx');
        t.setBytes(0, na, 1, 3);
        t.setText(1, 'null');
      },
      ['NA', 'null'],
    );
    expect(row).toEqual([null, null]);
  });

  test('makes a cell null when its last value is a null marker', async () => {
    const row = await oneRow(
      (t) => {
        const long = bytes('a value longer than 12 bytes');
        t.setBytes(0, long, 0, long.length);
        t.setText(0, 'NA');
        t.setText(1, 'kept');
        t.setText(1, null);
      },
      ['NA'],
    );
    expect(row).toEqual([null, null]);
  });

  test('keeps texts that only contain or resemble a marker', async () => {
    const row = await oneRow(
      (t) => {
        t.setText(0, 'NAN');
        t.setText(1, ' NA');
      },
      ['NA'],
    );
    expect(row).toEqual(['NAN', ' NA']);
  });
});
