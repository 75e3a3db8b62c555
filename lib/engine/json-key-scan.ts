/**
 * The top-level keys of every record of an NDJSON or JSON-array file that
 * a sample did not show, found by a byte scan here instead of a DuckDB pass
 * (`json_keys` over `read_json_objects`, ~0.5 s on 1,000,000 records).
 * DuckDB's reader, given explicit columns, drops the keys it was not given,
 * so `non_null` (whose output holds every column) must know them all.
 *
 * The scan follows each record's structure (strings and their escapes,
 * nesting) and reads only its top-level keys; a key is first compared, as
 * bytes, with the key the sample's most common key list has at that place.
 * It vouches only for plain files, where DuckDB's reader sees the same
 * records: NDJSON records one a line, `{` to `}` with space, tab or CR
 * around them and blank lines between them; an array of objects with JSON
 * white space and single commas between them. Anything else (a BOM, a
 * record that is not an object or does not end on its line, a line holding
 * more than one record, a record over 16 MiB, a new key that is not valid
 * UTF-8 or a valid JSON string or holds a NUL or control character, more
 * than `MAX_COLUMNS` new keys) returns `undefined`: the caller lists the
 * keys through DuckDB, whose errors then name the line as before. Values
 * are not validated: a record DuckDB cannot parse fails the job's own read
 * of the file, which reads every record, with the same error.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  NEWLINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-bytes.js';
import { MAX_COLUMNS } from './limits.js';

/** Bytes read at a time; a record longer than this grows the buffer. */
const CHUNK_BYTES = 1 << 20;

/** The longest record scanned here (DuckDB's default `maximum_object_size`); a longer one is DuckDB's to refuse. */
const MAX_RECORD_BYTES = 16 * 2 ** 20;

const COLON = 0x3a;

/** JSON white space: 1 at space, tab, LF and CR. */
const IS_SPACE = new Uint8Array(256);
/** White space within an NDJSON line: DuckDB parses each line alone, so a record ends on its own. */
const IS_LINE_SPACE = new Uint8Array(256);
IS_LINE_SPACE[0x20] = IS_LINE_SPACE[0x09] = IS_LINE_SPACE[0x0d] = 1;
IS_SPACE.set(IS_LINE_SPACE);
IS_SPACE[NEWLINE] = 1;
/** The bytes that end a run of plain string bytes: a quote, a backslash, and a line feed (not JSON). */
const STRING_STOP = new Uint8Array(256);
STRING_STOP[QUOTE] = STRING_STOP[BACKSLASH] = STRING_STOP[NEWLINE] = 1;
/** `scanObject`: the record runs past the bytes read so far. */
const NEED_MORE = -1;
/** `scanObject`: the record is not plain; the scan gives up. */
const REFUSE = -2;

/** An escaped UTF-16 surrogate: refused by DuckDB's parser, accepted by `JSON.parse`. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** A control character, which JSON strings hold only escaped. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

/** A known key: its UTF-8 bytes and its place in the common key list (-1 when not there). */
interface KnownKey {
  readonly bytes: Buffer;
  readonly slot: number;
}

/** Follows records and collects the top-level keys not known before, in first-seen order. */
class KeyScanner {
  /** Known keys by the hash of their bytes. */
  readonly #byHash = new Map<number, KnownKey[]>();
  readonly #template: Buffer[];
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  /** Keys not known before, in first-seen order. */
  readonly found: string[] = [];
  /** The place in the common key list the next key is expected at. */
  #slot = 0;
  /** White space within a record: a line feed ends an NDJSON record's line, which then is not plain. */
  readonly #space: Uint8Array;

  constructor(known: Iterable<string>, common: readonly string[], lines: boolean) {
    this.#space = lines ? IS_LINE_SPACE : IS_SPACE;
    // Each key with its closing quote and colon, as compact JSON writes them.
    this.#template = common.map((k) => Buffer.from(`${JSON.stringify(k).slice(1)}:`, 'utf8'));
    const slots = new Map(common.map((k, i) => [k, i] as const));
    for (const key of new Set([...known, ...common]))
      this.#remember(Buffer.from(key, 'utf8'), slots.get(key) ?? -1);
  }

  #remember(bytes: Buffer, slot: number): void {
    const hash = hashOf(bytes, 0, bytes.length);
    const list = this.#byHash.get(hash);
    if (list === undefined) this.#byHash.set(hash, [{ bytes, slot }]);
    else list.push({ bytes, slot });
  }

  /**
   * Scans the object whose `{` is at `start`, within `buf[start, end)`.
   *
   * @returns the offset after its `}`, {@link NEED_MORE} or {@link REFUSE}
   */
  scanObject(buf: Buffer, start: number, end: number): number {
    const template = this.#template;
    const space = this.#space;
    let slot = 0;
    let p = start + 1;
    for (;;) {
      // A key, or the end of the object (also after a trailing comma, which DuckDB's parser allows).
      let b = p < end ? buf[p]! : 0;
      if (space[b] === 1) {
        for (p++; p < end && space[(b = buf[p]!)] === 1; p++);
      }
      if (p >= end) return NEED_MORE;
      if (b === CLOSE_BRACE) return p + 1;
      if (b !== QUOTE) return REFUSE;
      const keyStart = ++p;
      // Mostly the key the common list has here, its closing quote and colon: matched as bytes.
      const expected = template[slot];
      let matched = false;
      if (expected !== undefined && keyStart + expected.length <= end) {
        const n = expected.length;
        let i = 0;
        while (i < n && buf[keyStart + i] === expected[i]) i++;
        if (i === n) {
          matched = true;
          slot++;
          p = keyStart + n;
        }
      }
      if (!matched) {
        let escaped = false;
        for (; p < end; p++) {
          b = buf[p]!;
          if (STRING_STOP[b] === 1) {
            if (b === QUOTE) break;
            if (b === NEWLINE || buf[p + 1] === NEWLINE) return REFUSE;
            escaped = true;
            p++;
          }
        }
        if (p >= end) return NEED_MORE;
        this.#slot = slot;
        if (!this.#known(buf, keyStart, p, escaped)) return REFUSE;
        slot = this.#slot;
        for (p++; p < end && space[(b = buf[p]!)] === 1; p++);
        if (p >= end) return NEED_MORE;
        if (b !== COLON) return REFUSE;
        p++;
      }
      b = p < end ? buf[p]! : 0;
      if (space[b] === 1) {
        for (p++; p < end && space[(b = buf[p]!)] === 1; p++);
      }
      if (p >= end) return NEED_MORE;
      // The value: a string, a nested object or array, or a scalar up to the next separator.
      if (b === QUOTE) {
        p = skipString(buf, p + 1, end);
        if (p === REFUSE) return REFUSE;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        p = skipNested(buf, p, end, space);
        if (p === REFUSE) return REFUSE;
      } else if (b <= 0x20) {
        // A line feed in an NDJSON record, or a control character: not JSON white space here.
        return REFUSE;
      } else {
        // Up to white space (every byte below 0x21 outside a string), a comma or a closing brace.
        for (p++; p < end && (b = buf[p]!) > 0x20 && b !== COMMA && b !== CLOSE_BRACE; p++);
      }
      b = p < end ? buf[p]! : 0;
      if (space[b] === 1) {
        for (p++; p < end && space[(b = buf[p]!)] === 1; p++);
      }
      if (p >= end) return NEED_MORE;
      if (b === CLOSE_BRACE) return p + 1;
      if (b !== COMMA) return REFUSE;
      p++;
    }
  }

  /** Whether the key in `buf[start, end)` could be read; a new one is added to {@link found}. */
  #known(buf: Buffer, start: number, end: number, escaped: boolean): boolean {
    const length = end - start;
    if (!escaped) {
      const list = this.#byHash.get(hashOf(buf, start, end));
      if (list !== undefined) {
        for (const key of list) {
          if (key.bytes.length === length && buf.compare(key.bytes, 0, length, start, end) === 0) {
            if (key.slot >= 0) this.#slot = key.slot + 1;
            return true;
          }
        }
      }
    }
    return this.#learn(buf, start, end, escaped);
  }

  /** A key not seen before (or spelt with escapes): decoded, checked, remembered. */
  #learn(buf: Buffer, start: number, end: number, escaped: boolean): boolean {
    let key: string;
    try {
      const text = this.#decoder.decode(buf.subarray(start, end));
      if (escaped && SURROGATE_ESCAPE.test(text)) return false;
      key = escaped ? (JSON.parse(`"${text}"`) as string) : text;
    } catch {
      return false;
    }
    // A raw control character is not JSON; a NUL, even escaped, is refused by the sample's reader.
    if ((!escaped && CONTROL.test(key)) || key.includes('\0')) return false;
    const bytes = Buffer.from(key, 'utf8');
    const hash = hashOf(bytes, 0, bytes.length);
    const list = this.#byHash.get(hash);
    if (list?.some((k) => k.bytes.equals(bytes)) === true) return true;
    if (this.found.length >= MAX_COLUMNS) return false;
    this.found.push(key);
    this.#remember(bytes, -1);
    // An escaped spelling is remembered too, so that it is not decoded again.
    if (escaped) this.#remember(Buffer.from(buf.subarray(start, end)), -1);
    return true;
  }
}

/** FNV-1a over `buf[start, end)`. */
function hashOf(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}

/**
 * Skips the rest of a string from `start` (after its opening quote).
 *
 * @returns the offset after its closing quote (past `end` when it is not there), or {@link REFUSE}
 *   for a raw line feed, which JSON does not allow and DuckDB's NDJSON reader takes as a line's end
 */
function skipString(buf: Buffer, start: number, end: number): number {
  for (let p = start; p < end; p++) {
    const b = buf[p]!;
    if (STRING_STOP[b] === 1) {
      if (b === QUOTE) return p + 1;
      if (b === NEWLINE || buf[p + 1] === NEWLINE) return REFUSE;
      p++;
    }
  }
  return end + 1;
}

/**
 * Skips the object or array opening at `start`.
 *
 * @param space - the white space allowed in it (a line feed ends an NDJSON record's line)
 * @returns the offset after it (`end` when it does not end before), or {@link REFUSE}
 */
function skipNested(buf: Buffer, start: number, end: number, space: Uint8Array): number {
  let depth = 0;
  for (let p = start; p < end; p++) {
    const b = buf[p]!;
    if (b === QUOTE) {
      p = skipString(buf, p + 1, end);
      if (p === REFUSE) return REFUSE;
      p--;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) return p + 1;
    else if (b === NEWLINE && space[b] !== 1) return REFUSE;
  }
  return end;
}

const BEFORE_ARRAY = 0;
const BEFORE_FIRST = 1;
const BEFORE_NEXT = 2;
const AFTER_RECORD = 3;
const AFTER_ARRAY = 4;
/** NDJSON: between records. */
const BETWEEN_LINES = 5;

/**
 * Follows the records of `buf[0, filled)` from where `state` stands.
 *
 * @returns the offset of the first record not wholly read, or {@link REFUSE}
 */
function walk(
  scanner: KeyScanner,
  state: { phase: number },
  buf: Buffer,
  filled: number,
  atEnd: boolean,
): number {
  let p = 0;
  let phase = state.phase;
  try {
    while (p < filled) {
      const b = buf[p]!;
      if (IS_SPACE[b] === 1) {
        p++;
      } else if (b === OPEN_BRACE && phase === BETWEEN_LINES) {
        // DuckDB parses each line alone: the record ends on its line (the scanner refuses a line feed
        // in it), and only white space follows it there.
        let q = scanner.scanObject(buf, p, filled);
        if (q === NEED_MORE) return atEnd ? REFUSE : p;
        if (q === REFUSE) return REFUSE;
        while (q < filled && IS_LINE_SPACE[buf[q]!] === 1) q++;
        if (q < filled ? buf[q] !== NEWLINE : !atEnd) return q < filled ? REFUSE : p;
        p = q;
      } else if (b === OPEN_BRACE && (phase === BEFORE_FIRST || phase === BEFORE_NEXT)) {
        const next = scanner.scanObject(buf, p, filled);
        if (next === NEED_MORE) return atEnd ? REFUSE : p;
        if (next === REFUSE) return REFUSE;
        p = next;
        phase = AFTER_RECORD;
      } else if (phase === BEFORE_ARRAY && b === OPEN_BRACKET) {
        phase = BEFORE_FIRST;
        p++;
      } else if (phase === AFTER_RECORD && b === COMMA) {
        phase = BEFORE_NEXT;
        p++;
      } else if ((phase === AFTER_RECORD || phase === BEFORE_FIRST) && b === CLOSE_BRACKET) {
        phase = AFTER_ARRAY;
        p++;
      } else return REFUSE;
    }
    return p;
  } finally {
    state.phase = phase;
  }
}

/**
 * The top-level keys of the file's records that are not in `known`, in
 * first-seen order (a record's own keys in their order); `undefined` when
 * the file is not plain (see the module's note).
 *
 * @param file - absolute host path
 * @param layout - NDJSON, or a top-level array
 * @param known - top-level keys already known (the sample's)
 * @param common - the sample's most common key list, in its order: most records' keys are met in it
 * @param chunkBytes - bytes read at a time (tests cut records everywhere with small ones)
 */
export async function scanNewKeys(
  file: string,
  layout: 'ndjson' | 'array',
  known: Iterable<string>,
  common: readonly string[],
  chunkBytes = CHUNK_BYTES,
): Promise<string[] | undefined> {
  const scanner = new KeyScanner(known, common, layout === 'ndjson');
  const state = { phase: layout === 'ndjson' ? BETWEEN_LINES : BEFORE_ARRAY };
  const handle = await open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, position);
      // A byte order mark: DuckDB's reader is left to judge it.
      if (position === 0 && bytesRead >= 1 && buf[0] === 0xef) return undefined;
      position += bytesRead;
      filled += bytesRead;
      const atEnd = bytesRead === 0;
      const done = walk(scanner, state, buf, filled, atEnd);
      if (done === REFUSE) return undefined;
      if (atEnd)
        return state.phase === BETWEEN_LINES || state.phase === AFTER_ARRAY ? scanner.found : undefined;
      if (done === 0 && filled === buf.length) {
        // One record fills the buffer: a larger one, up to the longest record DuckDB reads.
        if (buf.length > MAX_RECORD_BYTES) return undefined;
        const larger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(larger, 0, 0, filled);
        buf = larger;
      } else {
        buf.copyWithin(0, done, filled);
        filled -= done;
      }
    }
  } finally {
    await handle.close();
  }
}
