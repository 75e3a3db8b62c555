/**
 * XML reader: the scanner cuts the document into record elements as it
 * streams, and fast-xml-parser parses them a thousand at a time. A record's
 * fields are its attributes and child elements; nested elements become
 * dotted names, repeated ones a JSON array.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import { ParseError } from '../errors.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_NULL_VALUES,
  type Batch,
  type ReadOptions,
  type Scalar,
  type TableSource,
} from '../types.js';
import { ColumnBuilder } from './column-builder.js';
import { MAX_RECORD_CHARS, readTextChunks, type ReaderTuning } from './text-chunks.js';
import { scanRecords, type RawRecord } from './xml-scanner.js';

const RECORDS_PER_PARSE = 1000;
const ATTR = '@_';
const WRAPPER = '__records__';

/** A node of fast-xml-parser's `preserveOrder` output. */
type OrderedNode = {
  [name: string]: OrderedNode[] | string | Record<string, string> | undefined;
  ':@'?: Record<string, string>;
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Only the predefined entities and character references: records never carry a DTD.
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

const elementName = (node: OrderedNode): string | undefined => Object.keys(node).find((k) => k !== ':@');

/** A value of a nested element, for the JSON text of repeated elements. */
function plain(node: OrderedNode, nulls: ReadonlySet<string>): unknown {
  const name = elementName(node)!;
  const children = node[name];
  if (name === '#text' || name === '#cdata') return typeof children === 'string' ? children : null;
  const kids = Array.isArray(children) ? children : [];
  const attrs = node[':@'] ?? {};
  const elements = kids.filter((k) => {
    const n = elementName(k);
    return n !== '#text' && n !== '#cdata';
  });
  if (elements.length === 0 && Object.keys(attrs).length === 0) return leafText(kids, nulls);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) out[k.slice(ATTR.length)] = nullable(v, nulls);
  for (const child of elements) {
    const n = elementName(child)!;
    const value = plain(child, nulls);
    const prior = out[n];
    out[n] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

const nullable = (text: string, nulls: ReadonlySet<string>): string | null => (nulls.has(text) ? null : text);

/** Text of a leaf element (text and CDATA parts joined); whitespace-only or empty means null. */
function leafText(kids: OrderedNode[], nulls: ReadonlySet<string>): string | null {
  let text = '';
  for (const kid of kids) {
    const name = elementName(kid);
    const value = name ? kid[name] : undefined;
    if (name === '#text' && typeof value === 'string') text += value;
    else if (name === '#cdata' && Array.isArray(value)) text += leafText(value, new Set()) ?? '';
  }
  if (text.trim() === '') return null;
  return nullable(text, nulls);
}

/** Appends the fields of one element under `prefix` (the record itself has prefix ''). */
function fields(
  node: OrderedNode,
  prefix: string,
  nulls: ReadonlySet<string>,
  out: [string, Scalar][],
): void {
  const name = elementName(node)!;
  const kids = Array.isArray(node[name]) ? (node[name] as OrderedNode[]) : [];
  const elements = kids.filter((k) => {
    const n = elementName(k);
    return n !== '#text' && n !== '#cdata';
  });
  const childNames = new Set(elements.map((k) => elementName(k)!));
  for (const [attr, value] of Object.entries(node[':@'] ?? {})) {
    const bare = attr.slice(ATTR.length);
    // An attribute named like a child element keeps an '@' so neither is lost.
    const column = prefix === '' ? (childNames.has(bare) ? `@${bare}` : bare) : `${prefix}.${bare}`;
    out.push([column, nullable(value, nulls)]);
  }
  if (prefix !== '' && elements.length === 0) {
    out.push([prefix, leafText(kids, nulls)]);
    return;
  }
  const counts = new Map<string, number>();
  for (const child of elements) counts.set(elementName(child)!, (counts.get(elementName(child)!) ?? 0) + 1);
  const repeated = new Map<string, unknown[]>();
  for (const child of elements) {
    const n = elementName(child)!;
    const column = prefix === '' ? n : `${prefix}.${n}`;
    if (counts.get(n)! > 1) {
      let list = repeated.get(column);
      if (!list) {
        repeated.set(column, (list = []));
        out.push([column, null]); // placeholder keeps first-seen column order
      }
      list.push(plain(child, nulls));
    } else fields(child, column, nulls, out);
  }
  for (const [column, list] of repeated) {
    const slot = out.findIndex(([c]) => c === column);
    out[slot] = [column, JSON.stringify(list)];
  }
}

function parseRecords(
  records: readonly RawRecord[],
  nulls: ReadonlySet<string>,
  builder: ColumnBuilder,
  first: number,
): void {
  let doc: OrderedNode[];
  try {
    doc = parser.parse(`<${WRAPPER}>${records.map((r) => r.text).join('')}</${WRAPPER}>`) as OrderedNode[];
  } catch (err) {
    const message = err instanceof Error ? err.message.slice(0, 200) : String(err);
    throw new ParseError(
      `records ${first}–${first + records.length - 1} (from line ${records[0]!.line}): ${message}`,
      {
        line: records[0]!.line,
      },
    );
  }
  const wrapper = doc.find((n) => elementName(n) === WRAPPER);
  const nodes = ((wrapper?.[WRAPPER] as OrderedNode[] | undefined) ?? []).filter((n) => {
    const name = elementName(n);
    return name !== '#text' && name !== undefined;
  });
  if (nodes.length !== records.length) {
    throw new ParseError(`line ${records[0]!.line}: malformed record`, { line: records[0]!.line });
  }
  const out: [string, Scalar][] = [];
  for (const node of nodes) {
    out.length = 0;
    fields(node, '', nulls, out);
    builder.push(out);
  }
}

async function* readXml(file: string, options: ReadOptions, tuning: ReaderTuning): AsyncGenerator<Batch> {
  const nulls = new Set(options.null_values ?? DEFAULT_NULL_VALUES);
  const batchSize = options.batch_size ?? DEFAULT_BATCH_SIZE;
  const builder = new ColumnBuilder();
  let pending: RawRecord[] = [];
  let seen = 0;
  const scan = scanRecords(readTextChunks(file, tuning.chunkBytes), {
    ...(options.record_tag !== undefined && { recordTag: options.record_tag }),
    maxRecordChars: tuning.maxRecordChars ?? MAX_RECORD_CHARS,
  });
  for await (const record of scan) {
    pending.push(record);
    if (pending.length >= RECORDS_PER_PARSE) {
      parseRecords(pending, nulls, builder, seen + 1);
      seen += pending.length;
      pending = [];
      if (builder.size >= batchSize) yield builder.take();
    }
  }
  if (pending.length > 0) parseRecords(pending, nulls, builder, seen + 1);
  seen += pending.length;
  if (builder.size > 0 || seen === 0) yield builder.take();
}

/**
 * Opens an XML file. Records are the child elements of the root, or the
 * elements named `options.record_tag` wherever they are. `header()` is
 * undefined: only a full pass tells the columns.
 *
 * @param file - absolute host path, already checked by the storage
 * @param options - `record_tag`, `null_values`, `batch_size`
 * @param tuning - internal read sizes, for tests
 * @throws `ParseError` (from `batches()`) with the line of the faulty record
 */
export function openXmlSource(file: string, options: ReadOptions, tuning: ReaderTuning = {}): TableSource {
  return {
    header: async () => undefined,
    knownTypes: async () => undefined,
    batches: () => readXml(file, options, tuning),
  };
}
