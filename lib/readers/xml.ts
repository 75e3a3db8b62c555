/**
 * XML reader: {@link XmlRecordScanner} cuts the document into record
 * elements as it streams, and fast-xml-parser parses them about a thousand at
 * a time (one call per group, inside a synthetic root). A record's fields are
 * its attributes and child elements; nested elements become dotted names,
 * repeated ones a JSON array. Cells are the raw text: types are inferred
 * later, as for CSV.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import { ParseError } from '../errors.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_NULL_VALUES,
  type Batch,
  type ColumnType,
  type ReadOptions,
  type TableSource,
} from '../types.js';
import { ColumnBuilder } from './column-builder.js';
import { MAX_RECORD_CHARS, readTextChunks, type ReaderTuning } from './text-chunks.js';

/**
 * Longest XML record, in characters: 4 Mi, a sixteenth of the other formats' limit. fast-xml-parser
 * builds each text value one character at a time, ~36 to 80 bytes of memory per character of a
 * record (an 8 MB text field peaked at +300 to +640 MB), so a longer record is refused with a
 * `parse_error` naming the limit rather than risking the worker's memory; tabular XML records are
 * kilobytes.
 */
export const XML_MAX_RECORD_CHARS = MAX_RECORD_CHARS / 16;
import { childrenOf, nameOf, RecordFlattener, TEXT, type OrderedNode } from './xml-fields.js';
import { XmlRecordScanner, type RawRecord } from './xml-scanner.js';

/** Records per fast-xml-parser call: large enough to amortize the call, small enough to stream. */
const RECORDS_PER_PARSE = 1000;
const WRAPPER = '__records__';

/*
 * preserveOrder keeps records in document order whatever their tag names and
 * is the fastest output form; jPath: false spares a path string per node.
 * The records never carry a DTD (the scanner refuses entity declarations), so
 * only the predefined entities, HTML entities and character references (the
 * XML writer escapes CR as &#13;) are decoded. Values stay raw text.
 */
const parser = new XMLParser({
  preserveOrder: true,
  jPath: false,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

/** Parses `count` records from `records[from]` and pushes their fields; `first` is the 1-based number of the first. */
function parseRecords(
  records: readonly RawRecord[],
  from: number,
  count: number,
  first: number,
  flattener: RecordFlattener,
  builder: ColumnBuilder,
): void {
  let text = `<${WRAPPER}>`;
  for (let i = from; i < from + count; i++) text += records[i]!.text;
  const nodes = parseWrapped(`${text}</${WRAPPER}>`);
  if (typeof nodes !== 'string' && elementCount(nodes) === count) {
    for (const node of nodes) if (nameOf(node) !== TEXT) builder.push(flattener.record(node));
    return;
  }
  // Rare: find the faulty record by parsing them one at a time.
  for (let i = from; i < from + count; i++) {
    const one = parseWrapped(`<${WRAPPER}>${records[i]!.text}</${WRAPPER}>`);
    if (typeof one === 'string' || elementCount(one) !== 1) {
      const record = first + (i - from);
      const line = records[i]!.line;
      const reason = typeof one === 'string' ? one : 'malformed element';
      throw new ParseError(`record ${record}, line ${line}: ${reason}`, { record, line });
    }
  }
  throw new ParseError(`records ${first}–${first + count - 1}: malformed XML`, { record: first });
}

const elementCount = (nodes: readonly OrderedNode[]): number => {
  let count = 0;
  for (const node of nodes) if (nameOf(node) !== TEXT) count++;
  return count;
};

/** The children of the synthetic root, or fast-xml-parser's reason for refusing the text. */
function parseWrapped(text: string): OrderedNode[] | string {
  try {
    const doc = parser.parse(text) as OrderedNode[];
    const wrapper = doc.find((n) => nameOf(n) === WRAPPER);
    return wrapper ? childrenOf(wrapper, WRAPPER) : 'malformed element';
  } catch (err) {
    // fast-xml-parser's messages quote the input around the fault; keep them short.
    return (err instanceof Error ? err.message : String(err)).slice(0, 200);
  }
}

async function* readXml(file: string, options: ReadOptions, tuning: ReaderTuning): AsyncGenerator<Batch> {
  const flattener = new RecordFlattener(new Set(options.null_values ?? DEFAULT_NULL_VALUES));
  const batchSize = Math.max(1, Math.floor(options.batch_size ?? DEFAULT_BATCH_SIZE));
  const builder = new ColumnBuilder();
  const scanner = new XmlRecordScanner({
    ...(options.record_tag !== undefined && { recordTag: options.record_tag }),
    maxRecordChars: tuning.maxRecordChars ?? XML_MAX_RECORD_CHARS,
  });
  let pending: RawRecord[] = [];
  let parsed = 0; // records pushed so far
  let eof = false;
  const chunks = readTextChunks(file, tuning.chunkBytes);
  try {
    while (!eof) {
      const next = await chunks.next();
      if (next.done) {
        scanner.finish();
        eof = true;
      } else scanner.feed(next.value, pending);
      let from = 0;
      for (;;) {
        // Groups end at batch boundaries, so that batches hold exactly `batchSize` rows.
        const room = batchSize - builder.size;
        const count = Math.min(RECORDS_PER_PARSE, room, pending.length - from);
        if (count === 0 || (count < RECORDS_PER_PARSE && count < room && !eof)) break;
        parseRecords(pending, from, count, parsed + 1, flattener, builder);
        from += count;
        parsed += count;
        if (builder.size >= batchSize) yield builder.take();
      }
      if (from > 0) pending = pending.slice(from);
    }
  } finally {
    // Closes the file when the consumer stops early or a record is refused.
    await chunks.return();
  }
  // A document without records still gives one (empty) batch, as the other readers do.
  if (builder.size > 0 || parsed === 0) yield builder.take();
}

/**
 * Opens an XML file as a {@link TableSource}, streamed: the whole document is
 * never held. Records are the child elements of the root, or the elements
 * named `options.record_tag` wherever they are, the root included (the
 * outermost when they nest). A record's fields are:
 * - its attributes (an attribute named like a child element becomes `@name`;
 *   `xmlns` declarations are skipped);
 * - its child elements, by name; a nested element's children and attributes
 *   become dotted names (`address.city`, `price.currency`), and elements
 *   repeated within their parent one JSON array text (`["a","b"]`);
 * - its own text, under its tag name, when it is not only whitespace.
 *
 * Cells are raw text (leading and trailing spaces kept): types are inferred
 * later. Missing elements, empty elements, empty attributes and the
 * `null_values` are null. The predefined entities, character references and
 * common HTML entities (`&nbsp;`, `&copy;`…) are decoded, others kept as
 * written; CDATA is text. No DTD is ever read: a DOCTYPE declaring entities
 * (expansion bombs, external entities) is refused.
 * `header()` and `knownTypes()` are undefined: only a full pass tells.
 *
 * @param file - absolute host path, already checked by the storage
 * @param options - `record_tag`, `null_values`, `batch_size`
 * @param tuning - internal knobs (chunk size, record limit) for tests and benchmarks
 * @returns the source; its `batches()` throws {@link ParseError} naming the record and line of
 *   malformed XML (mismatched or unclosed tags, unbalanced quotes, truncation), for entity
 *   declarations and for invalid UTF-8
 *
 * @example
 * ```ts
 * // <people><person id="1"><name>Zoë</name><tag>a</tag><tag>b</tag></person></people>
 * for await (const { table } of openXmlSource(file, {}).batches()) table.objects();
 * // [{ id: '1', name: 'Zoë', tag: '["a","b"]' }]
 * ```
 */
export function openXmlSource(file: string, options: ReadOptions, tuning: ReaderTuning = {}): TableSource {
  return {
    header: async (): Promise<readonly string[] | undefined> => undefined,
    knownTypes: async (): Promise<ReadonlyMap<string, ColumnType> | undefined> => undefined,
    batches: () => readXml(file, options, tuning),
  };
}
