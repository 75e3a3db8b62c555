import { ParseError } from '../../lib/errors.js';
import { flattenRecord, MAX_NESTING } from '../../lib/readers/flatten.js';
import type { Scalar } from '../../lib/types.js';

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) value = { n: value };
  return value;
}

describe('flattening a record', () => {
  test('turns nested objects into dotted names, up to the nesting limit', () => {
    const out: [string, Scalar][] = [];
    flattenRecord(nested(MAX_NESTING), '', out);
    expect(out).toHaveLength(1);
    expect(out[0]![0]).toBe(`${'n.'.repeat(MAX_NESTING)}leaf`);
  });

  test('refuses objects nested deeper than the limit with a parse error', () => {
    expect(() => flattenRecord(nested(MAX_NESTING + 1), '', [])).toThrow(ParseError);
  });

  test('refuses an array too deep to serialise with a parse error, not a stack overflow', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => flattenRecord({ a: deep }, '', [])).toThrow(/nests objects or arrays too deeply/);
  });
});
