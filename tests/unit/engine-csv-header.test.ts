/**
 * The CSV header reader: it reads only as far as the header goes, in
 * growing steps, and decides exactly what a read of the whole bound would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { readCsvHeader, validUtf8Length } from '../../lib/engine/csv-header.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csv-header-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(content: string | Buffer): Promise<string> {
  const name = path.join(dir, `${++n}.csv`);
  await writeFile(name, content);
  return name;
}

/** Column names of `count` columns, each `width` characters long. */
function names(count: number, width: number, prefix = 'c'): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${String(i).padStart(width - prefix.length, '0')}`,
  );
}

describe('readCsvHeader', () => {
  test('reads a header of several hundred KiB, past the first read, with every name', async () => {
    const header = names(5_000, 80);
    const f = await file(`${header.join(';')}\n${header.map(() => '1').join(';')}\n`);
    expect(await readCsvHeader(f, undefined)).toEqual({ names: header, delimiter: ';' });
  });

  test('detects the delimiter from the whole first line, not from the first read of it', async () => {
    // The first 64 KiB hold more commas than semicolons (inside the names); the line as a whole has
    // more semicolons. A detection on the first read alone would choose the comma.
    const commaNames = names(2_000, 40, 'a,b,c,');
    const header = [...commaNames, ...names(8_000, 20, 'x')];
    const f = await file(`${header.join(';')}\n`);
    const read = await readCsvHeader(f, undefined);
    expect(read?.delimiter).toBe(';');
    expect(read?.names).toEqual(header);
  });

  test('keeps a character cut by the first read whole', async () => {
    // 'é' is two bytes; it straddles the 65,536th byte.
    const first = 'x'.repeat(65_535) + 'é';
    const f = await file(`${first},b\n1,2\n`);
    expect(await readCsvHeader(f, ',')).toEqual({ names: [first, 'b'], delimiter: ',' });
  });

  test('reads a quoted header name holding a line break across reads', async () => {
    const long = `"${'q'.repeat(70_000)}\nstill the name"`;
    const f = await file(`${long},b\n1,2\n`);
    expect((await readCsvHeader(f, ','))?.names).toEqual([`${'q'.repeat(70_000)}\nstill the name`, 'b']);
  });

  test('gives undefined when the header does not end within the bound', async () => {
    const f = await file(`${names(20_000, 10).join(',')}\n`);
    expect(await readCsvHeader(f, ',', 100_000)).toBeUndefined();
  });

  test('reads a file that is only a header without a line break', async () => {
    const f = await file('a,b,c');
    expect(await readCsvHeader(f, undefined)).toEqual({ names: ['a', 'b', 'c'], delimiter: ',' });
  });

  test('refuses invalid UTF-8 in the header, not in rows it does not read', async () => {
    const bad = await file(Buffer.concat([Buffer.from('a,'), Buffer.from([0xff]), Buffer.from('\n1,2\n')]));
    await expect(readCsvHeader(bad, undefined)).rejects.toMatchObject({
      code: 'parse_error',
      message: 'line 1: invalid UTF-8',
    });
    const rows = await file(
      Buffer.concat([Buffer.from('a,b\n'), Buffer.from('1,2\n'.repeat(30_000)), Buffer.from([0xff])]),
    );
    expect(await readCsvHeader(rows, undefined)).toEqual({ names: ['a', 'b'], delimiter: ',' });
  });

  test('reads the header of a file whose invalid UTF-8 starts in a row within the first read', async () => {
    const f = await file(
      Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]),
    );
    expect(await readCsvHeader(f, undefined)).toEqual({ names: ['a', 'b'], delimiter: ',' });
  });

  test('refuses invalid UTF-8 in a quoted header name that spans lines', async () => {
    const f = await file(
      Buffer.concat([Buffer.from('"a\n'), Buffer.from([0xc0, 0xaf]), Buffer.from('",b\n1,2\n')]),
    );
    await expect(readCsvHeader(f, undefined)).rejects.toMatchObject({ message: 'line 1: invalid UTF-8' });
  });

  test('refuses an empty file', async () => {
    await expect(readCsvHeader(await file(''), undefined)).rejects.toMatchObject({
      code: 'parse_error',
      message: 'empty file: no header row',
    });
  });
});

describe('validUtf8Length', () => {
  test('is the longest prefix Node itself calls UTF-8, on random bytes near the encoding limits', () => {
    // Bytes drawn from the boundaries: lead bytes, continuation limits, ASCII.
    const boundary = fc.constantFrom(
      ...[0x41, 0x0a, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf],
      ...[0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff],
    );
    fc.assert(
      fc.property(fc.array(boundary, { minLength: 1, maxLength: 12 }), (values) => {
        const bytes = Buffer.from(values);
        let longest = bytes.length;
        while (longest > 0 && !isUtf8(bytes.subarray(0, longest))) longest--;
        expect(validUtf8Length(bytes)).toBe(longest);
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });

  test('stops before a character cut by the end and before a surrogate', () => {
    expect(validUtf8Length(Buffer.from('é東🎉'))).toBe(9);
    expect(validUtf8Length(Buffer.from('ab🎉').subarray(0, 5))).toBe(2);
    expect(validUtf8Length(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
  });
});
