/**
 * The cells of a result preview as JSON values that any JSON parser reads
 * back unchanged. Every cell reaches this module as text (DuckDB renders it,
 * see `lib/engine/preview.ts`); a column is then sent as one JSON type:
 *
 * - numbers as JSON numbers when every value of the column converts to a
 *   double and back without losing a digit (`1.50` counts as `1.5`), else
 *   every value as its exact decimal text, so a BIGINT beyond 2^53 or a long
 *   DECIMAL is a string; a column never mixes numbers and strings;
 * - NaN and ±Infinity as `null`, as the service's text formats write them
 *   (they are not JSON numbers);
 * - booleans as `true`/`false`;
 * - dates and timestamps as ISO 8601 strings, lists and maps as JSON text,
 *   binary as base64 (the engine's own renderings of a typed input);
 * - text cells (CSV, XML, JSON, NDJSON, which the engine reads as text like
 *   any input): numbers when every value is a number by the rule above,
 *   booleans when every value is `true` or `false`, else strings.
 *
 * @module
 */

/** A preview cell: what JSON can carry exactly. */
export type PreviewCell = string | number | boolean | null;

/** How a preview column's text cells become JSON values. */
export type PreviewKind = 'text' | 'number' | 'boolean' | 'string';

/** A decimal text without the zeros that do not change its value: `1.50` → `1.5`, `2.0` → `2`. */
function trimmedDecimal(text: string): string {
  if (!/^-?\d+\.\d+$/.test(text)) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * The number a text stands for when a double carries it exactly: its shortest
 * round-trip form (JavaScript's `String(n)`) is the text, up to trailing
 * fraction zeros; `-0` is `0` (JSON has no negative zero).
 *
 * @param text - a number as DuckDB or a text format writes it
 * @returns the number, or undefined when it is not one or would lose a digit
 */
export function losslessNumber(text: string): number | undefined {
  if (text === '-0') return 0;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return undefined;
  return String(n) === trimmedDecimal(text) ? n : undefined;
}

/** Whether every non-null cell passes `test`. */
function every(cells: readonly (string | null)[], test: (cell: string) => boolean): boolean {
  return cells.every((cell) => cell === null || test(cell));
}

/**
 * One column's cells as JSON values (see the module comment).
 *
 * @param kind - `number`, `boolean`, `string` for a typed column (Parquet), `text` for a text one
 * @param cells - the column's cells as text, null for null (NaN and infinities arrive as null)
 * @returns the JSON values, in order
 */
export function jsonColumn(kind: PreviewKind, cells: readonly (string | null)[]): PreviewCell[] {
  const numbers =
    (kind === 'number' || kind === 'text') && every(cells, (c) => losslessNumber(c) !== undefined);
  if (numbers) return cells.map((c) => (c === null ? null : losslessNumber(c)!));
  const booleans =
    kind === 'boolean' || (kind === 'text' && every(cells, (c) => c === 'true' || c === 'false'));
  if (booleans) return cells.map((c) => (c === null ? null : c === 'true'));
  return [...cells];
}
