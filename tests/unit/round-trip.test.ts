/**
 * Round trips: each writer's output, read back by the matching reader and
 * typed by the same schema, gives the table that was written.
 */
import * as aq from 'arquero';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSource } from '../../lib/readers/index.js';
import { Storage } from '../../lib/storage/storage.js';
import { OUTPUT_FORMATS, type ColumnSpec, type InputFormat, type Scalar } from '../../lib/types.js';
import { coerce } from '../../lib/values.js';
import { writeTables } from './support/write-table.js';

const SCHEMA: ColumnSpec[] = [
  { name: 'name', type: 'string' },
  { name: 'amount', type: 'number' },
  { name: 'ok', type: 'boolean' },
  { name: 'note', type: 'string' },
];

const DATA: Record<string, Scalar[]> = {
  name: ['Zoë', 'a,b', 'say "hi"', 'multi\nline', '😀 emoji', 'ça;va|tab\there'],
  amount: [1.5, -0.25, 1e21, null, 0.1 + 0.2, 123456789012],
  ok: [true, false, null, true, false, true],
  note: [null, 'x', '', '<tag> & </tag>', 'spaces  inside', 'last'],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'round-trip-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The cells as the engine means them: typed by the schema, with the empty string read as null. */
function typed(rows: Record<string, Scalar>[]): Record<string, Scalar>[] {
  return rows.map((row) =>
    Object.fromEntries(
      SCHEMA.map(({ name, type }) => {
        const v = coerce(row[name] ?? null, type);
        return [name, v === '' ? null : v];
      }),
    ),
  );
}

test.each(OUTPUT_FORMATS)('a table written as %s reads back the same', async (format) => {
  const storage = new Storage(dir);
  const original = aq.table(DATA);
  const { file } = await writeTables(storage, `t.${format}`, format, SCHEMA, [original]);
  const rows: Record<string, Scalar>[] = [];
  for await (const batch of openSource(file, format as InputFormat, {}).batches()) {
    rows.push(...(batch.table.objects() as Record<string, Scalar>[]));
  }
  expect(typed(rows)).toEqual(typed(original.objects() as Record<string, Scalar>[]));
});
