import { DOUBLE, DuckDBInstance, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { MACROS } from '../../lib/engine/macros.js';

let connection: DuckDBConnection;

beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  for (const macro of MACROS) await connection.run(macro);
});

afterAll(() => connection.closeSync());

async function numText(x: number): Promise<unknown> {
  return (await connection.runAndReadAll('SELECT df_numtext($1)', [x], [DOUBLE])).getRowsJS()[0]![0];
}

async function num(s: string): Promise<unknown> {
  return (await connection.runAndReadAll('SELECT df_num($1)', [s], [VARCHAR])).getRowsJS()[0]![0];
}

describe('df_numtext', () => {
  test.each([
    [2, '2'],
    [-0, '-0'],
    [0.1, '0.1'],
    [1e-7, '1e-7'],
    [1.5e-10, '1.5e-10'],
    [0.000001, '0.000001'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [2 ** 53 + 2, '9007199254740994'],
    [123456.789, '123456.789'],
  ])('writes %d as JavaScript does (%s)', async (x, text) => {
    expect(await numText(x)).toBe(text);
  });

  test('writes NaN and infinities as null', async () => {
    expect(await numText(Number.NaN)).toBeNull();
    expect(await numText(Infinity)).toBeNull();
  });

  test('agrees with String(n) on random doubles of every magnitude', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (x) => {
        expect(await numText(x)).toBe(Object.is(x, -0) ? '-0' : String(x));
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('df_numtext fast paths', () => {
  test.each([
    [1, '1'],
    [-42, '-42'],
    [2 ** 53 - 1, '9007199254740991'],
    [2 ** 53, '9007199254740992'],
    [1e15, '1000000000000000'],
    [0.0001, '0.0001'],
    [0.00009999, '0.00009999'],
    [999999999999999.9, '999999999999999.9'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('writes %d at the edge of a fast path as JavaScript does (%s)', async (x, text) => {
    expect(await numText(x)).toBe(text);
  });

  test('agrees with String(n) on random integers and fractions from 1e-7 to 1e17', async () => {
    const magnitude = fc.tuple(fc.double({ min: -7, max: 17, noNaN: true }), fc.boolean(), fc.nat(3));
    await fc.assert(
      fc.asyncProperty(magnitude, async ([e, negative, shape]) => {
        const v = (negative ? -1 : 1) * 10 ** e;
        const x =
          shape === 0
            ? v
            : shape === 1
              ? Math.round(v)
              : shape === 2
                ? Math.round(v * 100) / 100
                : Math.fround(v);
        expect(await numText(x)).toBe(Object.is(x, -0) ? '-0' : String(x));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});

describe('df_num', () => {
  test.each(['1', '-0.5', '.5', '5.', '1e5', '+1.5E-3', '00012', '1.e5'])(
    'reads %j as a number',
    async (s) => {
      expect(await num(s)).toBe(Number(s));
    },
  );

  test('skips the cast only for texts the cast would refuse', async () => {
    const chars = fc.constantFrom(...' \t\n+-.0123456789eE_xinfaINF:/\u00a0é'.split(''));
    await fc.assert(
      fc.asyncProperty(fc.array(chars, { maxLength: 8 }), async (parts) => {
        const s = parts.join('');
        const reference = await connection.runAndReadAll(
          'SELECT df_num($1) IS NOT DISTINCT FROM df_finite(TRY_CAST($1 AS DOUBLE))',
          [s],
          [VARCHAR],
        );
        expect(reference.getRowsJS()[0]![0]).toBe(true);
      }),
      { seed: 11, numRuns: 1000 },
    );
  });

  test.each(['0x10', 'inf', 'Infinity', '-inf', 'NaN', 'nan', '1e400', '', 'abc', '1e', '--1', '1,5', '_1'])(
    'refuses %j, which the README does not call numeric',
    async (s) => {
      expect(await num(s)).toBeNull();
    },
  );
});
