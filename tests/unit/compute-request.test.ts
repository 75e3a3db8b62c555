/**
 * The request schemas: each operation takes its own fields and options and
 * refuses the others', and each format-specific option is refused on an
 * input of another format, whether the format is named or comes from the
 * input's extension.
 */
import type { z } from 'zod';
import {
  ComputeRequestSchema,
  OPERATIONS,
  PARAMS_SCHEMAS,
  type Operation,
} from '../../lib/compute-request.js';

const base = { input: 'in/sales.csv', columns: ['amount'] };
const resolved = (operation: Operation, fields: Record<string, unknown>) => ({
  operation,
  output: 'results/out.csv',
  ...base,
  ...fields,
});

/** The issues of a refused value, as `path: message` lines. */
function issuesOf(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('each operation takes its own fields', () => {
  test.each<[Operation, Record<string, unknown>]>([
    ['group_by', { aggregations: { amount: ['sum', 'median'] }, options: { ddof: 0, delimiter: ';' } }],
    ['non_null', { options: { how: 'any', null_values: ['-'] } }],
    ['stats', { options: { ddof: 0 }, output_format: 'json' }],
  ])('%s accepts its own fields and options, as a body and as a queued request', (operation, fields) => {
    expect(PARAMS_SCHEMAS[operation].parse({ ...base, ...fields })).toEqual({ ...base, ...fields });
    expect(ComputeRequestSchema.parse(resolved(operation, fields))).toEqual(resolved(operation, fields));
  });

  test.each<[string, Operation, Record<string, unknown>, string]>([
    [
      'aggregations on stats',
      'stats',
      { aggregations: { amount: ['sum'] } },
      '"aggregations" (group_by only)',
    ],
    ['aggregations on non_null', 'non_null', { aggregations: { amount: ['sum'] } }, 'group_by only'],
    ['how on stats', 'stats', { options: { how: 'any' } }, '"how" (non_null only)'],
    ['how on group_by', 'group_by', { options: { how: 'all' } }, 'non_null only'],
    ['ddof on non_null', 'non_null', { options: { ddof: 0 } }, '"ddof" (stats and group_by only)'],
  ])('refuses %s, naming the operation the field belongs to', (_what, operation, fields, message) => {
    expect(issuesOf(PARAMS_SCHEMAS[operation], { ...base, ...fields }).join('\n')).toContain(message);
    expect(issuesOf(ComputeRequestSchema, resolved(operation, fields)).join('\n')).toContain(message);
  });

  test('a queued request of an unknown operation, or without its output, is refused', () => {
    expect(ComputeRequestSchema.safeParse(resolved('stats', { operation: 'pivot' })).success).toBe(false);
    expect(ComputeRequestSchema.safeParse({ operation: 'stats', ...base }).success).toBe(false);
  });

  test('a body may not name its operation: the path does', () => {
    expect(issuesOf(PARAMS_SCHEMAS.stats, { ...base, operation: 'stats' })).toEqual([
      ': Unrecognized key: "operation"',
    ]);
  });

  test('repeated columns are refused by every operation', () => {
    for (const operation of OPERATIONS) {
      expect(issuesOf(PARAMS_SCHEMAS[operation], { ...base, columns: ['a', 'b', 'a'] })).toEqual([
        'columns: column names must be distinct',
      ]);
    }
  });
});

describe('format-specific options', () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      'delimiter on a .json input',
      { input: 'in/people.json', options: { delimiter: ';' } },
      'options.delimiter',
    ],
    [
      'delimiter on a .jsonl input',
      { input: 'logs/app.JSONL', options: { delimiter: ',' } },
      'options.delimiter',
    ],
    [
      'record_tag on a CSV input',
      { input: 'in/sales.csv', options: { record_tag: 'row' } },
      'options.record_tag',
    ],
    [
      'null_values on a Parquet input',
      { input: 'in/t.parquet', options: { null_values: ['NA'] } },
      'options.null_values',
    ],
    [
      'null_values on a JSON input',
      { input: 'in/t.json', options: { null_values: ['NA'] } },
      'options.null_values',
    ],
    [
      'delimiter on a .csv input read as JSON',
      { input: 'in/sales.csv', format: 'json', options: { delimiter: ',' } },
      'options.delimiter',
    ],
  ])('refuses %s', (_what, fields, path) => {
    for (const operation of OPERATIONS) {
      const issues = issuesOf(PARAMS_SCHEMAS[operation], { ...base, ...fields });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(
        new RegExp(`^${path.replace('.', '\\.')}: applies to .* inputs only; this input is`),
      );
      expect(issuesOf(ComputeRequestSchema, resolved(operation, fields))).toEqual(issues);
    }
  });

  test.each<[string, Record<string, unknown>]>([
    ['delimiter on a TSV input', { input: 'in/t.TSV', options: { delimiter: '|' } }],
    [
      'delimiter on a .txt input read as CSV',
      { input: 'in/t.txt', format: 'csv', options: { delimiter: ';' } },
    ],
    [
      'record_tag and null_values on an XML input',
      { input: 'in/t.xml', options: { record_tag: 'r', null_values: [] } },
    ],
    ['null_values on a CSV input', { input: 'in/sales.csv', options: { null_values: ['', '-'] } }],
  ])('accepts %s', (_what, fields) => {
    for (const operation of OPERATIONS) {
      expect(PARAMS_SCHEMAS[operation].safeParse({ ...base, ...fields }).success).toBe(true);
    }
  });

  test('an input of an unknown extension is left to the format check, which lists the formats', () => {
    // Refusing `delimiter` here would hide the real mistake: `unsupported_format` comes when the input is inspected.
    expect(
      PARAMS_SCHEMAS.stats.safeParse({ ...base, input: 'in/t.xlsx', options: { delimiter: ';' } }).success,
    ).toBe(true);
  });

  test('every misplaced option of a request is reported at once', () => {
    const issues = issuesOf(PARAMS_SCHEMAS.non_null, {
      ...base,
      input: 'in/t.parquet',
      options: { delimiter: ';', record_tag: 'r', null_values: ['x'], how: 'any' },
    });
    expect(issues.map((i) => i.split(':')[0])).toEqual([
      'options.delimiter',
      'options.record_tag',
      'options.null_values',
    ]);
  });
});
