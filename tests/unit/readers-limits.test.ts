/**
 * The limits that keep one hostile record from taking the worker's memory:
 * a record longer than the record limit is refused by every text reader,
 * wherever the reads happen to cut it, and nesting over 64 levels is refused
 * alike in short records (after parsing) and long ones (before parsing).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCsvSource } from '../../lib/readers/csv.js';
import { MAX_NESTING } from '../../lib/readers/flatten.js';
import { openJsonSource } from '../../lib/readers/json.js';
import { nestingBeyond } from '../../lib/readers/json-scanner.js';
import { openNdjsonSource } from '../../lib/readers/ndjson.js';
import type { ReaderTuning } from '../../lib/readers/text-chunks.js';
import type { TableSource } from '../../lib/types.js';
import { parseErrorOf } from './support/parse-error.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readers-limits-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

let files = 0;
async function file(ext: string, text: string): Promise<string> {
  const name = path.join(tmp, `f${++files}.${ext}`);
  await writeFile(name, text);
  return name;
}

async function rowCount(source: TableSource): Promise<number> {
  let n = 0;
  for await (const { table } of source.batches()) n += table.numRows();
  return n;
}

const LIMIT: ReaderTuning = { chunkBytes: 1024, maxRecordChars: 5000 };
const x = (n: number): string => 'x'.repeat(n);

describe('the record size limit', () => {
  test('refuses a JSON record over the limit even when the read that ends it would fit it', async () => {
    const f = await file('json', `[{"a":1},{"a":"${x(7000)}"}]`);
    const err = await parseErrorOf(rowCount(openJsonSource(f, {}, LIMIT)));
    expect(err.message).toBe('record 2 (line 1) runs over 5000 characters');
  });

  test('reads a JSON record just under the limit spread over many reads', async () => {
    const f = await file('json', `[{"a":1},{"a":"${x(4900)}"},{"a":3}]`);
    expect(await rowCount(openJsonSource(f, {}, LIMIT))).toBe(3);
  });

  test('refuses an over-long key or other value of a wrapping JSON object', async () => {
    const key = await file('json', `{"${x(7000)}": 1, "rows": []}`);
    expect((await parseErrorOf(rowCount(openJsonSource(key, {}, LIMIT)))).message).toBe(
      'line 1: a key runs over 5000 characters',
    );
    const value = await file('json', `{"meta": "${x(7000)}", "rows": []}`);
    expect((await parseErrorOf(rowCount(openJsonSource(value, {}, LIMIT)))).message).toBe(
      'a value of the JSON object (line 1) runs over 5000 characters',
    );
  });

  test('refuses an NDJSON line over the limit and reads one under it spread over many reads', async () => {
    const long = await file('ndjson', `{"a":1}\n{"a":"${x(7000)}"}\n`);
    expect((await parseErrorOf(rowCount(openNdjsonSource(long, {}, LIMIT)))).message).toBe(
      'line 2: a line runs over 5000 characters',
    );
    const fits = await file('ndjson', `{"a":1}\n{"a":"${x(4900)}"}\n{"a":3}`);
    expect(await rowCount(openNdjsonSource(fits, {}, LIMIT))).toBe(3);
  });

  test('refuses a CSV row over the limit even when the read that ends it would fit it', async () => {
    // Past the first 64 KiB, which are read whole to detect the dialect.
    const rows = '2,y\n'.repeat(20_000);
    const f = await file('csv', `a,b\n${rows}1,${x(7000)}\n${rows}`);
    const err = await parseErrorOf(rowCount(openCsvSource(f, {}, LIMIT)));
    expect(err.message).toMatch(/^line 20002: a record runs over 5000 characters/);
  });
});

/** A record whose field `a` nests `levels` objects or arrays (the deepest at level `levels`), padded to `pad` chars. */
function deepRecord(kind: 'object' | 'array', levels: number, pad: number): string {
  const [open, close] = kind === 'object' ? ['{"b":', '}'] : ['[', ']'];
  const value = open.repeat(levels) + '1' + close.repeat(levels);
  return `{"pad":"${x(pad)}","a":${value}}`;
}

describe('the nesting limit', () => {
  const cases = (['object', 'array'] as const).flatMap((kind) =>
    [10, 600_000].map((pad) => ({ kind, pad, size: pad > 1000 ? 'long' : 'short' })),
  );

  test.each(cases)(
    `accepts $kind nesting of ${MAX_NESTING} levels in a $size record`,
    async ({ kind, pad }) => {
      const record = deepRecord(kind, MAX_NESTING, pad);
      expect(await rowCount(openJsonSource(await file('json', `[${record}]`), {}))).toBe(1);
      expect(await rowCount(openNdjsonSource(await file('ndjson', record), {}))).toBe(1);
    },
  );

  test.each(cases)(
    `refuses $kind nesting of ${MAX_NESTING + 1} levels in a $size record`,
    async ({ kind, pad }) => {
      const record = deepRecord(kind, MAX_NESTING + 1, pad);
      for (const source of [
        openJsonSource(await file('json', `[{"a":1},\n${record}]`), {}),
        openNdjsonSource(await file('ndjson', `{"a":1}\n${record}`), {}),
      ]) {
        expect((await parseErrorOf(rowCount(source))).message).toMatch(/over 64 levels/);
      }
    },
  );

  test('is counted on brackets outside strings only', () => {
    expect(nestingBeyond('{"a":"[[[[[[","b":[1]}', 2)).toBe(-1);
    expect(nestingBeyond('{"a":"\\"[[[[","b":[[1]]}', 2)).toBe(19);
    expect(nestingBeyond('[[[', 2)).toBe(2);
    expect(nestingBeyond('{"a":"never closed [[[[', 1)).toBe(-1);
  });
});
