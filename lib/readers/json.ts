/**
 * JSON reader: an array of objects, or an object holding exactly one array
 * of objects, streamed. An incremental scanner finds where the records of
 * the array end, and each stretch of complete records read so far is handed
 * to `JSON.parse` at once; the whole file is never parsed nor held.
 *
 * @module
 */
import { ParseError } from '../errors.js';
import {
  DEFAULT_BATCH_SIZE,
  type Batch,
  type ColumnType,
  type ReadOptions,
  type TableSource,
} from '../types.js';
import {
  checkNesting,
  isRecord,
  jsonErrorOffset,
  jsonReason,
  notARecord,
  RecordBatcher,
} from './json-records.js';
import { JsonText, lastRecordSeparator, splitElements } from './json-scanner.js';
import { countChar, MAX_RECORD_CHARS, readTextChunks, type ReaderTuning } from './text-chunks.js';

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
/** Wrong guesses of the fast path after which a pass only scans (records holding arrays of objects). */
const MAX_FAILED_GUESSES = 4;

/**
 * Opens a JSON file as a {@link TableSource}. Records are flattened (nested
 * objects become dotted names, arrays JSON text); columns are the union of
 * keys in first-seen order, and each batch carries the columns seen so far.
 * Other keys of a wrapping object are ignored when they are not arrays.
 *
 * Its `batches()` throws `ParseError` for an empty file, malformed JSON
 * (naming the record and its line), a record that is not an object, a
 * wrapping object with no or several arrays, or text after the JSON value.
 *
 * @param file - absolute host path, already checked by the storage
 * @param options - `batch_size` is used; `null_values` does not apply to JSON
 * @param tuning - internal knobs (chunk size) for tests and benchmarks
 * @returns the source; `header()` and `knownTypes()` give `undefined`
 *
 * @example
 * ```ts
 * // file: {"count": 2, "items": [{"id": 1, "tag": {"x": 1}}, {"id": 2}]}
 * for await (const { table } of openJsonSource(file, {}).batches()) table.columnNames(); // ['id', 'tag.x']
 * ```
 */
export function openJsonSource(file: string, options: ReadOptions, tuning: ReaderTuning = {}): TableSource {
  return {
    header: async () => undefined,
    knownTypes: async (): Promise<ReadonlyMap<string, ColumnType> | undefined> => undefined,
    batches: () => readJson(file, options, tuning),
  };
}

/** Progress shared by the nested readers of one pass. */
interface Pass {
  readonly text: JsonText;
  readonly batcher: RecordBatcher;
  records: number;
}

async function* readJson(file: string, options: ReadOptions, tuning: ReaderTuning): AsyncGenerator<Batch> {
  const chunks = readTextChunks(file, tuning.chunkBytes);
  const pass: Pass = {
    text: new JsonText(chunks, tuning.maxRecordChars ?? MAX_RECORD_CHARS),
    batcher: new RecordBatcher(options.batch_size ?? DEFAULT_BATCH_SIZE),
    records: 0,
  };
  const { text } = pass;
  try {
    const first = await text.peek();
    if (first === -1) throw new ParseError('empty file: expected a JSON array of objects', { line: 1 });
    text.pos++;
    if (first === OPEN_BRACKET) yield* readRecords(pass);
    else if (first === OPEN_BRACE) yield* readWrapper(pass);
    else {
      throw new ParseError(
        `line ${text.line}: expected a JSON array of objects, or an object holding one array of objects`,
        { line: text.line },
      );
    }
    if ((await text.peek()) !== -1) {
      throw new ParseError(`line ${text.line}: unexpected text after the end of the JSON value`, {
        line: text.line,
      });
    }
    // An empty array still gives one (empty) batch, as other readers do.
    if (pass.batcher.size > 0 || pass.records === 0) yield pass.batcher.take();
  } finally {
    await chunks.return();
  }
}

/** Reads the members of the wrapping object after `{`; the one array value holds the records. */
async function* readWrapper(pass: Pass): AsyncGenerator<Batch> {
  const { text } = pass;
  let found: string | undefined;
  let c = await text.peek();
  if (c === CLOSE_BRACE) text.pos++;
  else {
    for (;;) {
      if (c !== QUOTE) throw unexpected(text, 'a key (a quoted string)');
      const key = await text.readString();
      if ((await text.peek()) !== COLON) throw unexpected(text, "':' after the key");
      text.pos++;
      c = await text.peek();
      if (c === OPEN_BRACKET) {
        if (found !== undefined) {
          throw new ParseError(
            `line ${text.line}: the JSON object holds several arrays (${JSON.stringify(found)} and ` +
              `${JSON.stringify(key)}); expected exactly one array of records`,
            { line: text.line },
          );
        }
        found = key;
        text.pos++;
        yield* readRecords(pass);
      } else await skipValue(pass);
      c = await text.peek();
      if (c === COMMA) {
        text.pos++;
        c = await text.peek();
      } else if (c === CLOSE_BRACE) {
        text.pos++;
        break;
      } else throw unexpected(text, "',' or '}'");
    }
  }
  if (found === undefined) {
    throw new ParseError(
      'the JSON object holds no array; expected an array of objects, or an object holding one',
    );
  }
}

/** Skips a member value that is not the records array, checking that it is valid JSON. */
async function skipValue(pass: Pass): Promise<void> {
  const { text } = pass;
  const line = text.line;
  text.depth = 0;
  let start = text.pos;
  let end = text.scanToSeparator();
  while (end === -1) {
    if (text.overLimit(start)) throw tooLong(text, 'a value of the JSON object', line);
    if (!(await text.fill(start))) throw endOfFile(text, 'inside a value');
    start = 0;
    end = text.scanToSeparator();
  }
  const value = text.buf.slice(start, end);
  checkNesting(value, line, 'a value of the JSON object');
  try {
    JSON.parse(value);
  } catch (err) {
    throw new ParseError(`line ${line}: invalid JSON: ${jsonReason(err)}`, { line });
  }
}

/** Reads the records array after its `[`, leaving `pos` after its `]`. */
async function* readRecords(pass: Pass): AsyncGenerator<Batch> {
  const { text } = pass;
  text.depth = 0;
  let start = text.pos; // first unparsed character of the array
  let startLine = text.line;
  let lastComma = -1; // last separator seen since `start`
  let lastCommaLine = 0;
  let afterComma = false; // `start` follows a comma, so an element must come
  let fresh = true; // new text arrived: try the fast path first
  let guessesLeft = MAX_FAILED_GUESSES;
  for (;;) {
    if (fresh && guessesLeft > 0) {
      // Fast path: guess the last record boundary of the buffer and let
      // JSON.parse check it (a wrong guess cannot parse), skipping the scan.
      fresh = false;
      const cut = lastRecordSeparator(text.buf, start);
      const stretch = cut === -1 ? '' : text.buf.slice(start, cut);
      // A wrong guess still starts at a record boundary: nesting counted in it is real.
      if (cut !== -1) checkNesting(stretch, startLine, 'a record');
      const values = cut === -1 ? undefined : tryParseArray(stretch);
      if (values !== undefined) {
        yield* addRecords(pass, values, stretch, startLine);
        startLine += countChar(text.buf, '\n', start, cut + 1);
        start = cut + 1;
        afterComma = true;
        text.pos = start;
        text.depth = 0;
        text.line = startLine;
      } else if (cut !== -1) guessesLeft--;
    }
    const at = text.scanToSeparator();
    if (at === -1) {
      if (lastComma !== -1) {
        yield* parseStretch(pass, text.buf.slice(start, lastComma), startLine, false);
        start = lastComma + 1;
        startLine = lastCommaLine;
        lastComma = -1;
        afterComma = true;
      }
      if (text.overLimit(start)) throw tooLong(text, `record ${pass.records + 1}`, startLine);
      if (!(await text.fill(start))) throw endOfFile(text, 'before the array of records is closed');
      start = 0;
      fresh = true;
      continue;
    }
    const c = text.buf.charCodeAt(at);
    text.pos = at + 1;
    if (c === COMMA) {
      lastComma = at;
      lastCommaLine = text.line;
    } else if (c === CLOSE_BRACKET) {
      const rest = text.buf.slice(start, at);
      if (/\S/.test(rest)) yield* parseStretch(pass, rest, startLine, true);
      else if (afterComma || lastComma !== -1) {
        const record = pass.records + 1;
        throw new ParseError(`record ${record} (line ${text.line}): trailing comma before ']'`, {
          record,
          line: text.line,
        });
      }
      return;
    } else {
      throw new ParseError(`line ${text.line}: '}' where the array of records should continue`, {
        line: text.line,
      });
    }
  }
}

/** Parses complete records (`a, b, c`) in one `JSON.parse` call and adds them to the batches. */
async function* parseStretch(
  pass: Pass,
  stretch: string,
  line: number,
  last: boolean,
): AsyncGenerator<Batch> {
  checkNesting(stretch, line, 'a record');
  let values: unknown[];
  try {
    values = JSON.parse(`[${stretch}]`) as unknown[];
  } catch (err) {
    throw locateBadRecord(stretch, line, pass.records, last, err);
  }
  yield* addRecords(pass, values, stretch, line);
}

/** `JSON.parse` of `[stretch]`, or `undefined` when it is not valid. */
function tryParseArray(stretch: string): unknown[] | undefined {
  try {
    return JSON.parse(`[${stretch}]`) as unknown[];
  } catch {
    return undefined;
  }
}

/** Adds parsed records to the batches; `stretch` and `line` locate a value that is not an object. */
async function* addRecords(
  pass: Pass,
  values: unknown[],
  stretch: string,
  line: number,
): AsyncGenerator<Batch> {
  const { batcher } = pass;
  for (let k = 0; k < values.length; k++) {
    const value = values[k];
    if (!isRecord(value)) {
      const record = pass.records + k + 1;
      const at = splitElements(stretch, line)[k]?.line ?? line;
      throw notARecord(value, `record ${record} (line ${at})`, { record, line: at });
    }
    if (batcher.add(value)) yield batcher.take();
  }
  pass.records += values.length;
}

/** Parses the records of a stretch one by one to name the first bad one (error path only). */
function locateBadRecord(
  stretch: string,
  line: number,
  before: number,
  last: boolean,
  cause: unknown,
): ParseError {
  const spans = splitElements(stretch, line);
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k]!;
    const record = before + k + 1;
    const source = stretch.slice(span.start, span.end);
    if (!/\S/.test(source)) {
      const what =
        last && k === spans.length - 1 ? "trailing comma before ']'" : 'missing value between commas';
      return new ParseError(`record ${record} (line ${span.line}): ${what}`, {
        record,
        line: span.line,
      });
    }
    try {
      JSON.parse(source);
    } catch (err) {
      const at = span.line + countChar(source, '\n', 0, jsonErrorOffset(err) ?? 0);
      return new ParseError(`record ${record} (line ${at}): invalid JSON: ${jsonReason(err)}`, {
        record,
        line: at,
      });
    }
  }
  return new ParseError(`line ${line}: invalid JSON: ${jsonReason(cause)}`, { line });
}

function unexpected(text: JsonText, expected: string): ParseError {
  const c = text.pos < text.buf.length ? JSON.stringify(text.buf[text.pos]) : 'end of file';
  return new ParseError(`line ${text.line}: expected ${expected}, found ${c}`, { line: text.line });
}

function tooLong(text: JsonText, what: string, line: number): ParseError {
  return new ParseError(`${what} (line ${line}) runs over ${text.maxChars} characters`, { line });
}

function endOfFile(text: JsonText, where: string): ParseError {
  return new ParseError(`line ${text.line}: unexpected end of file ${where}`, { line: text.line });
}
