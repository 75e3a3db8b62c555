/**
 * The end-to-end test table, written once: the fixture generator turns it
 * into one file per input format, and the tests compare every result with
 * the answers below (computed by hand from the rows; see the comments).
 *
 * @module
 */

/** A cell of the test table or of an expected result. */
export type Cell = string | number | null;
/** A row, by column name. */
export type Row = Record<string, Cell>;

/** Columns of the table, in file order. */
export const SALES_COLUMNS = ['region', 'product', 'amount', 'qty'] as const;

/** The rows: `amount` has one null (row 2), every other cell is set. */
export const SALES_ROWS: readonly Row[] = [
  { region: 'north', product: 'apple', amount: 10.5, qty: 1 },
  { region: 'south', product: 'pear', amount: null, qty: 2 },
  { region: 'north', product: 'pear', amount: 4, qty: 3 },
  { region: 'east', product: 'apple', amount: 7, qty: 5 },
  { region: 'south', product: 'apple', amount: 2.5, qty: 4 },
];

/** Input formats, with the extension of their fixture file. */
export const INPUT_FORMATS = ['csv', 'tsv', 'json', 'ndjson', 'xml', 'parquet'] as const;
/** An input format. */
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The format the engine writes by default for an input format (tsv → csv). */
export function defaultOutput(format: InputFormat): 'csv' | 'json' | 'ndjson' | 'xml' | 'parquet' {
  return format === 'tsv' ? 'csv' : format;
}

/** One operation's request parameters and its expected output table. */
export interface Case {
  readonly operation: 'group_by' | 'non_null' | 'stats';
  readonly params: Record<string, unknown>;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

/** Every operation, with its exact expected result on {@link SALES_ROWS}. */
export const CASES: readonly Case[] = [
  {
    operation: 'group_by',
    params: { columns: ['region'], aggregations: { amount: ['sum', 'mean', 'count'], qty: ['max'] } },
    // Keys ascending; `count` is rows in the group, `amount_count` its non-null amounts.
    columns: ['region', 'count', 'amount_sum', 'amount_mean', 'amount_count', 'qty_max'],
    rows: [
      { region: 'east', count: 1, amount_sum: 7, amount_mean: 7, amount_count: 1, qty_max: 5 },
      { region: 'north', count: 2, amount_sum: 14.5, amount_mean: 7.25, amount_count: 2, qty_max: 3 },
      { region: 'south', count: 2, amount_sum: 2.5, amount_mean: 2.5, amount_count: 1, qty_max: 4 },
    ],
  },
  {
    operation: 'non_null',
    params: { columns: ['amount'] },
    columns: [...SALES_COLUMNS],
    rows: SALES_ROWS.filter((r) => r.amount !== null),
  },
  {
    operation: 'stats',
    params: { columns: ['amount', 'qty'] },
    // amount: 10.5, 4, 7, 2.5 → mean 6, squared deviations 37.5 → sample variance 12.5.
    // qty: 1..5 → mean 3, squared deviations 10 → sample variance 2.5.
    columns: ['column', 'count', 'nulls', 'mean', 'variance', 'std', 'min', 'max'],
    rows: [
      {
        column: 'amount',
        count: 4,
        nulls: 1,
        mean: 6,
        variance: 12.5,
        std: Math.sqrt(12.5),
        min: 2.5,
        max: 10.5,
      },
      { column: 'qty', count: 5, nulls: 0, mean: 3, variance: 2.5, std: Math.sqrt(2.5), min: 1, max: 5 },
    ],
  },
];
