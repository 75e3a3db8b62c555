/**
 * XML writer: `<rows><row><col>…</col></row></rows>`, one record per line.
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import type { ByteSink, ColumnSpec, ColumnType, TableWriter } from '../types.js';
import { cellText } from './scalar-text.js';
import { schemaCells } from './table-columns.js';
import { TextEmitter } from './text-emitter.js';
import { xmlNames } from './xml-names.js';

/** Header of every XML output, up to the opening root tag. */
export const XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n';
/** Trailer of every XML output. */
export const XML_EPILOG = '</rows>\n';

// Characters that text content cannot hold as they are: markup, CR (parsers
// turn it into LF), and what XML 1.0 forbids (C0 controls but tab/LF/CR,
// U+FFFE, U+FFFF, lone surrogates).
// eslint-disable-next-line no-control-regex
const SPECIAL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|\p{Cs}/u;
// eslint-disable-next-line no-control-regex
const SPECIAL_ALL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|\p{Cs}/gu;

function replaceSpecial(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '\r':
      return '&#13;';
    default:
      return '\uFFFD';
  }
}

/**
 * Escapes text for an XML element: `&`, `<`, `>` as entities, CR as `&#13;`
 * (so that it survives line-end normalisation), and every character XML 1.0
 * does not allow at all (control characters other than tab, LF and CR,
 * U+FFFE, U+FFFF, unpaired surrogates) replaced by U+FFFD, the replacement
 * character: a visible mark that something unrepresentable was there.
 *
 * @param s - any string
 * @returns text that is safe between tags
 */
export function xmlText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, replaceSpecial) : s;
}

/**
 * Writes batches as XML: the declaration, a `<rows>` root, one `<row>` per
 * record on its own line, each non-null cell as an element named after its
 * column ({@link xmlNames}) and holding the cell coerced to the column type
 * (numbers in shortest round-trip form, `true`/`false`). Null cells are
 * omitted; an empty string is an empty element.
 */
export class XmlWriter implements TableWriter {
  readonly #schema: readonly ColumnSpec[];
  readonly #types: ColumnType[];
  readonly #open: string[];
  readonly #close: string[];
  readonly #out: TextEmitter;
  #closed = false;

  /**
   * @param sink - where the bytes go
   * @param schema - the output columns, in order
   */
  constructor(sink: ByteSink, schema: readonly ColumnSpec[]) {
    this.#schema = schema;
    this.#types = schema.map((c) => c.type);
    const names = xmlNames(schema.map((c) => c.name));
    this.#open = names.map((n) => `<${n}>`);
    this.#close = names.map((n) => `</${n}>`);
    this.#out = new TextEmitter(sink);
    this.#out.add(XML_PROLOG);
  }

  /** Appends the rows of `table` (see {@link TableWriter.write}). */
  async write(table: ColumnTable): Promise<void> {
    if (this.#closed) throw new Error('XML writer used after close');
    const cells = schemaCells(table, this.#schema);
    const types = this.#types;
    const open = this.#open;
    const close = this.#close;
    const ncols = cells.length;
    const nrows = table.numRows();
    const out = this.#out;
    for (let i = 0; i < nrows; i++) {
      let rec = '<row>';
      for (let j = 0; j < ncols; j++) {
        const text = cellText(cells[j]![i], types[j]!);
        if (text !== null) rec += open[j]! + (types[j] === 'string' ? xmlText(text) : text) + close[j]!;
      }
      out.add(rec + '</row>\n');
      if (out.full) await out.flush();
    }
  }

  /** Closes the root element and flushes. */
  async close(): Promise<void> {
    if (this.#closed) throw new Error('XML writer used after close');
    this.#closed = true;
    this.#out.add(XML_EPILOG);
    await this.#out.flush();
  }
}
