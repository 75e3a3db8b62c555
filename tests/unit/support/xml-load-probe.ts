/**
 * Child process of tests/unit/engine-xml-memory.test.ts: streams a generated
 * XML file to disk, loads it with `loadXmlTable` into a DuckDB whose memory
 * is capped (spilling to a temporary folder), and prints one JSON line with
 * the row count and the memory the load added (`VmHWM` minus the resident set
 * before the load, after a GC). Run as:
 *
 *   node --expose-gc --import tsx tests/unit/support/xml-load-probe.ts '<case json>'
 *
 * @module
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadXmlTable } from '../../../lib/engine/xml/index.js';

/** What the probe loads: `megabytes` of small records, or one record whose text field has `fieldMegabytes`. */
export type XmlLoadCase =
  | { readonly kind: 'records'; readonly megabytes: number }
  | { readonly kind: 'long-field'; readonly fieldMegabytes: number };

/** What the probe prints after `PROBE `. */
export interface XmlLoadReport {
  readonly rows: number;
  readonly baselineKb: number;
  readonly peakKb: number;
  readonly ms: number;
}

async function generate(file: string, c: XmlLoadCase): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.write('<?xml version="1.0"?>\n<rows>\n');
    if (c.kind === 'records') {
      let i = 0;
      for (let written = 0; written < c.megabytes << 20;) {
        let block = '';
        for (let k = 0; k < 5000; k++, i++) {
          block += `<row id="${i}"><name>name number ${i} of the generated file</name><v>${i % 1000}</v><t>x</t></row>\n`;
        }
        await handle.write(block);
        written += block.length;
      }
    } else {
      await handle.write('<row><a>1</a><text>');
      const piece = 'long text '.repeat(1 << 16);
      for (let written = 0; written < c.fieldMegabytes << 20; written += piece.length)
        await handle.write(piece);
      await handle.write('</text></row>\n');
    }
    await handle.write('</rows>\n');
  } finally {
    await handle.close();
  }
}

const kb = (field: 'VmHWM' | 'VmRSS', status: string): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);

const c = JSON.parse(process.argv[2]!) as XmlLoadCase;
const dir = await mkdtemp(path.join(os.tmpdir(), 'xml-load-probe-'));
try {
  const file = path.join(dir, 'input.xml');
  await generate(file, c);
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: '64MB',
    threads: '1',
    temp_directory: path.join(dir, 'spill'),
  });
  const connection = await db.connect();
  (globalThis as { gc?: () => void }).gc?.();
  const baselineKb = kb('VmRSS', await readFile('/proc/self/status', 'utf8'));
  const started = performance.now();
  const { rows } = await loadXmlTable(connection, file, 'probe');
  const ms = Math.round(performance.now() - started);
  const peakKb = kb('VmHWM', await readFile('/proc/self/status', 'utf8'));
  connection.closeSync();
  const report: XmlLoadReport = { rows, baselineKb, peakKb, ms };
  process.stdout.write(`PROBE ${JSON.stringify(report)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
