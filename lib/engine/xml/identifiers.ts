/**
 * SQL identifier quoting for the XML loader's own statements.
 *
 * @module
 */

/**
 * Quotes a name as a DuckDB identifier: wrapped in double quotes, inner
 * double quotes doubled. Any other character (`;`, `--`, newlines, non-ASCII)
 * is inert inside quotes. NUL cannot occur: the names come from XML, which
 * cannot hold it.
 *
 * @param name - a table or column name
 * @returns the quoted identifier
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
