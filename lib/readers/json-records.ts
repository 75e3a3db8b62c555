/**
 * Turns parsed JSON records into batches, for the JSON and NDJSON readers:
 * checks that each record is an object, flattens it and accumulates columns.
 *
 * @module
 */
import { ParseError } from '../errors.js';
import type { Batch, Scalar } from '../types.js';
import { ColumnBuilder } from './column-builder.js';
import { flattenRecord, MAX_NESTING } from './flatten.js';
import { nestingBeyond } from './json-scanner.js';
import { countChar, DEFAULT_CHUNK_BYTES } from './text-chunks.js';

/**
 * Texts shorter than this are parsed without a nesting pre-check: `JSON.parse`
 * of nested brackets costs about 60 bytes per character, 30 MB at worst here.
 * Twice a read, so that the JSON reader's usual stretches (one read's worth
 * of records) skip the scan: it cost 9–13% of the JSON reader's time.
 */
const NESTING_CHECK_CHARS = 2 * DEFAULT_CHUNK_BYTES;

/** Text levels a record may use: its own braces, then {@link MAX_NESTING} levels of values. */
const MAX_TEXT_DEPTH = MAX_NESTING + 1;

/**
 * Refuses a long text of records nesting deeper than the flattening accepts,
 * before `JSON.parse` builds it: a 2 MB line of a million brackets would
 * otherwise cost 114 MB of arrays before being refused.
 *
 * @param text - the text of one or more records (an NDJSON line, elements of an array)
 * @param line - line of `text[0]`
 * @param what - names the text in the message, e.g. `a record`
 * @throws `ParseError` naming the line where the limit is crossed
 */
export function checkNesting(text: string, line: number, what: string): void {
  if (text.length < NESTING_CHECK_CHARS) return;
  const at = nestingBeyond(text, MAX_TEXT_DEPTH);
  if (at === -1) return;
  const where = line + countChar(text, '\n', 0, at);
  throw new ParseError(`line ${where}: ${what} nests objects or arrays over ${MAX_NESTING} levels`, {
    line: where,
  });
}

/** Names a JSON value's kind for messages: `array`, `string`, `null`... */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Rewords V8's `JSON.parse` message for users: drops the echo of the input
 * and the position, which are relative to the fragment parsed, not the file.
 */
export function jsonReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/, .*is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .slice(0, 200);
}

/** The character offset V8 reports in a `JSON.parse` error, when it does. */
export function jsonErrorOffset(err: unknown): number | undefined {
  const match = err instanceof Error ? /at position (\d+)/.exec(err.message) : null;
  return match ? Number(match[1]) : undefined;
}

/** True when a parsed JSON value can be a record: a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The error for a value that is not a record.
 *
 * @param value - the offending value
 * @param where - names it, e.g. `record 3 (line 7)`
 * @param location - machine-readable position
 */
export function notARecord(value: unknown, where: string, location: Record<string, unknown>): ParseError {
  return new ParseError(`${where}: expected an object, found ${jsonKind(value)}`, location);
}

/**
 * Accumulates records into batches of about `batchSize` rows, with the union
 * of their (flattened) keys as columns.
 */
export class RecordBatcher {
  readonly #builder = new ColumnBuilder();
  readonly #batchSize: number;
  readonly #fields: [string, Scalar][] = [];

  /** @param batchSize - rows per batch */
  constructor(batchSize: number) {
    this.#batchSize = Math.max(1, Math.floor(batchSize));
  }

  /**
   * Adds one record (check it with {@link isRecord} first).
   *
   * @returns true when a batch is full and should be taken
   */
  add(record: Record<string, unknown>): boolean {
    const fields = this.#fields;
    fields.length = 0;
    flattenRecord(record, '', fields);
    this.#builder.push(fields);
    return this.#builder.size >= this.#batchSize;
  }

  /** Rows waiting in the current batch. */
  get size(): number {
    return this.#builder.size;
  }

  /** Closes the current batch. */
  take(): Batch {
    return this.#builder.take();
  }
}
