/**
 * The streaming half of the CSV reader: decodes the file chunk by chunk,
 * detects the dialect on the first chunk, and runs papaparse's raw parser on
 * each chunk, carrying the incomplete last row over to the next one. Physical
 * line numbers are kept per block so errors can name the line of any row.
 *
 * @module
 */
import Papa from 'papaparse';
import { ParseError } from '../errors.js';
import { countChar, MAX_RECORD_CHARS, readTextChunks, type ReaderTuning } from './text-chunks.js';

/** How a CSV file is written. */
export interface CsvDialect {
  /** Field delimiter, one character. */
  readonly delimiter: string;
  /** Row terminator papaparse splits on: `\n` (also for CRLF files) or `\r` (old Mac files). */
  readonly newline: '\n' | '\r';
  /** The file uses CRLF: a trailing `\r` is removed from the last field of each row. */
  readonly crlf: boolean;
}

/**
 * Consecutive rows from one stretch of the file, in one of two forms: `rows`
 * as papaparse parsed them, or (`plain` set, `rows` empty) the raw text of
 * complete lines holding no quote at all, which the consumer splits itself.
 * The first block of a file is always parsed, so it carries the header row.
 */
export interface CsvBlock {
  /** The rows as papaparse gives them (fields as strings, quotes removed); empty when `plain` is set. */
  readonly rows: string[][];
  /**
   * Quote-free text of whole lines (each ended by the newline, except perhaps
   * the file's last): fields are then exactly the text between delimiters, so
   * the consumer cuts only the cells of the columns it needs.
   */
  readonly plain?: string;
  /** 1-based physical line of `rows[0]`. */
  readonly firstLine: number;
  /** The parsed text when it contains quotes (rows may then span lines); else `undefined`. */
  readonly quotedText: string | undefined;
  readonly dialect: CsvDialect;
}

/** Delimiters tried, in order of preference when several fit equally. */
export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;
/** Characters looked at to detect the dialect (grown when the first row is longer). */
const SAMPLE_CHARS = 64 * 1024;
/** Rows looked at to detect the delimiter. */
const SAMPLE_ROWS = 50;

/**
 * Parses a CSV file into blocks of rows, streaming.
 *
 * @param file - absolute host path
 * @param delimiter - the delimiter, or `undefined` to detect it
 * @param tuning - chunk size and record size limit
 * @throws `ParseError` for an empty file, invalid UTF-8, unbalanced quotes or an endless record
 */
export async function* csvBlocks(
  file: string,
  delimiter: string | undefined,
  tuning: ReaderTuning = {},
): AsyncGenerator<CsvBlock, void, undefined> {
  const chunks = readTextChunks(file, tuning.chunkBytes);
  const maxRecordChars = tuning.maxRecordChars ?? MAX_RECORD_CHARS;
  let text = '';
  let eof = false;
  let dialect: CsvDialect | undefined;
  let parser: Papa.Parser | undefined;
  let sampleTarget = SAMPLE_CHARS;
  // Parse again only once the carried text has doubled, so that one long
  // record costs linear time rather than one re-parse per chunk; and once it
  // passes the record limit, so that doubling cannot step over the limit.
  let nextAttempt = 0;
  const twice = (chars: number): number => Math.min(chars * 2, maxRecordChars + 1);
  let line = 1;
  // The first block is always parsed: it holds the header row.
  let yielded = false;
  try {
    while (!eof) {
      const next = await chunks.next();
      if (next.done) eof = true;
      else text += next.value;
      if (!eof && text.length < (dialect ? nextAttempt : sampleTarget)) continue;
      // Most chunks of most files hold no quote: hand their whole lines over unparsed, which
      // spares one string per unused cell and one array per row (papaparse splits them all).
      if (dialect !== undefined && yielded && text.indexOf('"') === -1) {
        const cut = eof ? text.length : text.lastIndexOf(dialect.newline) + 1;
        if (cut === 0) {
          if (text.length > maxRecordChars) throw endlessRecord(line, maxRecordChars);
          nextAttempt = twice(text.length);
          continue;
        }
        nextAttempt = 0;
        const plain = cut === text.length ? text : text.slice(0, cut);
        yield { rows: [], plain, firstLine: line, quotedText: undefined, dialect };
        line += countChar(plain, dialect.newline);
        text = cut === text.length ? '' : text.slice(cut);
        continue;
      }
      if (dialect === undefined) {
        if (text.length === 0) throw new ParseError('empty file: no header row', { line: 1 });
        dialect = detectDialect(text, eof, delimiter);
        if (dialect === undefined) {
          if (text.length > maxRecordChars) throw endlessRecord(line, maxRecordChars);
          sampleTarget = twice(text.length);
          continue;
        }
        parser = new Papa.Parser({ delimiter: dialect.delimiter, newline: dialect.newline, quoteChar: '"' });
      }
      const result = parser!.parse(text, 0, !eof) as Papa.ParseResult<string[]>;
      const rows = result.data;
      // The text after a final newline is no row: papaparse gives it as [''].
      if (eof && rows.length > 0 && endsWith(text, dialect.newline)) {
        const last = rows[rows.length - 1]!;
        if (last.length === 1 && last[0] === '') rows.pop();
      }
      const consumed = eof ? text.length : result.meta.cursor;
      const firstQuote = text.indexOf('"');
      const quotedText = firstQuote !== -1 && firstQuote < consumed ? text.slice(0, consumed) : undefined;
      const block: CsvBlock = { rows, firstLine: line, quotedText, dialect };
      checkQuoteErrors(result.errors, eof ? Infinity : rows.length, block);
      if (!eof && rows.length === 0) {
        if (text.length > maxRecordChars) throw endlessRecord(line, maxRecordChars);
        nextAttempt = twice(text.length);
        continue;
      }
      nextAttempt = 0;
      if (rows.length > 0) {
        yielded = true;
        yield block;
      }
      line += quotedText === undefined ? rows.length : countChar(quotedText, dialect.newline);
      text = text.slice(consumed);
    }
  } finally {
    await chunks.return();
  }
}

function endsWith(text: string, newline: string): boolean {
  return text.charCodeAt(text.length - 1) === newline.charCodeAt(0);
}

function endlessRecord(line: number, limit: number): ParseError {
  return new ParseError(`line ${line}: a record runs over ${limit} characters; is a quote left unclosed?`, {
    line,
  });
}

/**
 * Turns papaparse's quote errors into a `ParseError`. Errors of the row
 * still incomplete at the end of a chunk (`row >= completeRows`) are ignored:
 * that row is parsed again with the next chunk.
 */
function checkQuoteErrors(errors: readonly Papa.ParseError[], completeRows: number, block: CsvBlock): void {
  for (const error of errors) {
    if (error.row === undefined || error.row >= completeRows) continue;
    const line = lineOfRow(block, error.row);
    if (error.code === 'MissingQuotes') {
      throw new ParseError(`line ${line}: a quoted field is never closed`, { line });
    }
    throw new ParseError(
      `line ${line}: malformed quoted field (a closing quote must be followed by the delimiter or the end of the line; ` +
        'write a quote inside a quoted field as "")',
      { line },
    );
  }
}

/**
 * Picks the newline and, unless given, the delimiter from the start of the
 * file: the candidate that splits the first rows into the same number (> 1)
 * of fields, the most fields winning; `,` for a one-column file.
 *
 * @returns `undefined` when the sample does not hold one complete row yet
 */
export function detectDialect(sample: string, eof: boolean, delimiter?: string): CsvDialect | undefined {
  const newline = sample.includes('\n') || !sample.includes('\r') ? '\n' : '\r';
  const crlf = newline === '\n' && sample.includes('\r\n');
  if (delimiter !== undefined) return { delimiter, newline, crlf };
  let best: string = DELIMITER_CANDIDATES[0];
  let bestScore = 0;
  for (const candidate of DELIMITER_CANDIDATES) {
    const parser = new Papa.Parser({ delimiter: candidate, newline, quoteChar: '"', preview: SAMPLE_ROWS });
    const rows = (parser.parse(sample, 0, !eof) as Papa.ParseResult<string[]>).data;
    if (rows.length === 0) return undefined;
    const width = rows[0]!.length;
    const consistent = rows.every((r) => r.length === width || (r.length === 1 && r[0] === ''));
    // Consistency first, then width; ties keep the earlier candidate.
    const score = width <= 1 ? 0 : (consistent ? 1e9 : 0) + width;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return { delimiter: best, newline, crlf };
}

/**
 * The 1-based physical line where row `index` of a block starts. Free when
 * the block has no quotes; otherwise it rescans the block, which only error
 * paths do.
 */
export function lineOfRow(block: CsvBlock, index: number): number {
  const text = block.quotedText;
  if (text === undefined) return block.firstLine + index;
  const newline = block.dialect.newline.charCodeAt(0);
  const delimiter = block.dialect.delimiter.charCodeAt(0);
  let lines = 0;
  let rows = 0;
  let inQuotes = false;
  let fieldStart = true;
  for (let i = 0; i < text.length && rows < index; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      if (inQuotes) {
        if (text.charCodeAt(i + 1) === 34) i++;
        else inQuotes = false;
      } else if (fieldStart) inQuotes = true;
      fieldStart = false;
    } else if (c === newline) {
      lines++;
      if (!inQuotes) {
        rows++;
        fieldStart = true;
      }
    } else fieldStart = c === delimiter && !inQuotes;
  }
  return block.firstLine + lines;
}
