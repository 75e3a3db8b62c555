/**
 * A streaming check of how deep a JSON document nests, before a parser that
 * recurses is given it.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { ParseError } from '../errors.js';
import { QUOTE, BACKSLASH, OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET } from './json-bytes.js';

/**
 * Reads `file` once, in chunks, and throws when objects and arrays nest
 * deeper than `limit` anywhere in it (brackets inside strings do not count).
 *
 * @throws `ParseError` naming the limit
 */
export async function assertNestingWithin(file: string, limit: number): Promise<void> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++depth > limit) throw new ParseError(`objects or arrays nest deeper than ${limit} levels`);
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
    }
  }
}
