/**
 * Issue 12, item 5: an error lists at most 100 names, each at most 200
 * characters, and counts the rest, so that no answer grows with the input
 * (a 6,000,000-column header made a 64.9 MB 422).
 */
import { errorResponse } from '../../lib/http/status.js';
import { MAX_LISTED_NAMES, UnknownColumnError } from '../../lib/errors.js';

const names = (n: number, prefix = 'c'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('an unknown column among 6,000,000 lists the first 100 available names and counts them all', () => {
  const res = errorResponse(new UnknownColumnError(['nope'], names(6_000_000)));
  expect(res.statusCode).toBe(422);
  const body = JSON.parse(res.body!) as { error: { details: Record<string, unknown> } };
  expect(body.error.details).toEqual({
    unknown: ['nope'],
    available: names(MAX_LISTED_NAMES),
    available_count: 6_000_000,
  });
  expect(res.body!.length).toBeLessThan(5_000);
});

test('many unknown columns are listed up to 100 and counted', () => {
  const err = new UnknownColumnError(names(500, 'x'), ['a']);
  expect(err.details).toEqual({ unknown: names(100, 'x'), unknown_count: 500, available: ['a'] });
});

test('a megabyte-long column name is shown cut to 200 characters', () => {
  const long = 'n'.repeat(2 ** 20);
  const res = errorResponse(new UnknownColumnError(['nope'], [long, 'b']));
  expect(res.body!.length).toBeLessThan(1_000);
  const body = JSON.parse(res.body!) as { error: { details: { available: string[] } } };
  expect(body.error.details.available).toEqual([`${'n'.repeat(199)}…`, 'b']);
});

test('a few unknown columns keep the full lists, without counts', () => {
  expect(new UnknownColumnError(['nope'], ['a', 'b']).details).toEqual({
    unknown: ['nope'],
    available: ['a', 'b'],
  });
});
