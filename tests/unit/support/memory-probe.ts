/**
 * Child process of tests/unit/fuzz-memory.test.ts: generates one hostile
 * input file by streaming it to disk (never holding it whole), runs one
 * computation on it, and prints a JSON line with the outcome and the memory
 * it took. Run as:
 *
 *   node --expose-gc --import tsx tests/unit/support/memory-probe.ts '<case json>'
 *
 * Memory: `baselineKb` is the resident set after imports, generation and
 * opening the engine's database (after a GC), `peakKb` the high-water mark (`VmHWM` of /proc/self/status,
 * which, unlike `maxRSS` of a forked child, is this process's own), so
 * `peakKb - baselineKb` is what the computation added at its worst.
 *
 * @module
 */
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../../lib/compute-request.js';
import { connectTo } from '../../../lib/engine/database.js';
import { runCompute } from '../../../lib/engine/index.js';
import { isAppError } from '../../../lib/errors.js';
import { Storage } from '../../../lib/storage/storage.js';
import { prng } from '../../../bench/prng.js';

/** The hostile inputs the probe knows. */
export type MemoryCase =
  | { kind: 'wide-csv'; columns: number; rows: number }
  | { kind: 'many-keys'; format: 'csv' | 'ndjson' | 'json' | 'xml'; keys: number }
  | { kind: 'long-line'; format: 'csv' | 'ndjson' | 'json' | 'xml'; megabytes: number }
  | { kind: 'xml-bomb'; variant: 'billion-laughs' | 'external-entity' | 'quadratic' }
  | { kind: 'deep-json'; format: 'json' | 'ndjson'; depth: number }
  | { kind: 'deep-xml'; depth: number }
  | { kind: 'fuzz-loop'; iterations: number; seed: number };

/** What the probe prints. */
export interface ProbeReport {
  /** `result`, or the stable code of the typed error. */
  readonly outcome: string;
  readonly baselineKb: number;
  readonly peakKb: number;
  /** Heap after a GC, after the computation (fuzz-loop: growth over its iterations). */
  readonly heapAfterKb: number;
  readonly heapGrowthKb?: number;
  readonly ms: number;
}

/** Streams `parts` (generated lazily) to `file` in large writes. */
async function stream(file: string, parts: Iterable<string>): Promise<void> {
  const handle = await open(file, 'w');
  let pending: string[] = [];
  let size = 0;
  try {
    for (const part of parts) {
      pending.push(part);
      size += part.length;
      if (size >= 1 << 20) {
        await handle.write(pending.join(''));
        pending = [];
        size = 0;
      }
    }
    if (pending.length > 0) await handle.write(pending.join(''));
  } finally {
    await handle.close();
  }
}

function* repeat(chunk: string, bytes: number): Generator<string> {
  for (let written = 0; written < bytes; written += chunk.length) yield chunk;
}

/** Writes the input of `c` under `dir`; returns its name and the request to run on it. */
async function generate(
  dir: string,
  c: MemoryCase,
): Promise<Omit<ComputeRequest, 'output' | 'output_format'>> {
  const MB = 1024 * 1024;
  const base = { operation: 'stats' as const, columns: ['a'] };
  switch (c.kind) {
    case 'wide-csv': {
      const header = Array.from({ length: c.columns }, (_, i) => (i === 0 ? 'a' : `c${i}`)).join(',');
      const row = (r: number): string => Array.from({ length: c.columns }, (_, i) => String(r + i)).join(',');
      await stream(
        path.join(dir, 'in.csv'),
        (function* () {
          yield header + '\n';
          for (let r = 0; r < c.rows; r++) yield row(r) + '\n';
        })(),
      );
      return { ...base, input: 'in.csv' };
    }
    case 'many-keys': {
      // One distinct key per record (CSV: header fields; XML: fields of one record), through non_null,
      // which reads every column.
      const file = `in.${c.format}`;
      const keys = Array.from({ length: c.keys }, (_, i) => (i === 0 ? 'a' : `k${i}`));
      const parts = {
        ndjson: keys.map((k) => `{"${k}":1}\n`),
        json: ['[', keys.map((k) => `{"${k}":1}`).join(','), ']'],
        // XML: one record of 30,000 fields (one new field per record costs DuckDB an ALTER TABLE each).
        xml: ['<rows><row>', ...keys.map((k) => `<${k}>1</${k}>`), '</row></rows>'],
        csv: [keys.join(',') + '\n', keys.map(() => '1').join(',') + '\n'],
      }[c.format];
      await stream(path.join(dir, file), parts);
      return { ...base, operation: 'non_null', input: file };
    }
    case 'long-line': {
      const chunk = 'x'.repeat(64 * 1024);
      const file = `in.${c.format}`;
      const frames: Record<typeof c.format, readonly [string, string]> = {
        csv: ['a,b\n1,', '\n'],
        ndjson: ['{"a":1}\n{"a":"', '"}\n'],
        json: ['[{"a":"', '"}]'],
        xml: ['<rows><row><a>', '</a></row></rows>'],
      };
      const [head, tail] = frames[c.format];
      await stream(
        path.join(dir, file),
        (function* () {
          yield head;
          yield* repeat(chunk, c.megabytes * MB);
          yield tail;
        })(),
      );
      return { ...base, operation: 'non_null', input: file };
    }
    case 'xml-bomb': {
      const docs = {
        'billion-laughs':
          '<?xml version="1.0"?><!DOCTYPE rows [<!ENTITY lol "lol">' +
          Array.from(
            { length: 9 },
            (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
          ).join('') +
          ']><rows><row><a>&lol9;</a></row></rows>',
        'external-entity':
          '<?xml version="1.0"?><!DOCTYPE rows [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
          '<rows><row><a>&xxe;</a></row></rows>',
        // No DTD at all: a huge attribute-like text repeated; nothing to expand, must stream.
        quadratic: `<rows>${'<row><a>1</a></row>'.repeat(200_000)}</rows>`,
      };
      await stream(path.join(dir, 'in.xml'), [docs[c.variant]]);
      return { ...base, input: 'in.xml' };
    }
    case 'deep-json': {
      const file = `in.${c.format}`;
      const open = c.format === 'json' ? '[{"a":' : '{"a":';
      const close = c.format === 'json' ? '}]' : '}\n';
      await stream(
        path.join(dir, file),
        (function* () {
          yield open;
          yield* repeat('['.repeat(1024), c.depth);
          yield* repeat(']'.repeat(1024), c.depth);
          yield close;
        })(),
      );
      return { ...base, input: file };
    }
    case 'deep-xml': {
      await stream(
        path.join(dir, 'in.xml'),
        (function* () {
          yield '<rows><row><a>';
          yield* repeat('<n>'.repeat(1024), c.depth * 3);
          yield* repeat('</n>'.repeat(1024), c.depth * 4);
          yield '</a></row></rows>';
        })(),
      );
      return { ...base, input: 'in.xml' };
    }
    case 'fuzz-loop':
      throw new Error('fuzz-loop generates its own inputs');
  }
}

function kb(field: 'VmHWM' | 'VmRSS', status: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const FUZZ_SEEDS = [
  'a,b,"c"\n1,2,3\n',
  '[{"a":1,"b":{"c":[1,2]}},',
  '{"a":1}\n{"a":',
  '<rows><row a="1"><b>2</b>',
];
const FUZZ_FORMATS = ['csv', 'json', 'ndjson', 'xml'] as const;

/** Many small malformed inputs in a row: the heap after them must not keep what they took. */
async function fuzzLoop(dir: string, storage: Storage, iterations: number, seed: number): Promise<number> {
  const random = prng(seed);
  let heapAtWarm = 0;
  for (let i = 0; i < iterations; i++) {
    if (i === Math.floor(iterations / 5)) {
      gc();
      heapAtWarm = process.memoryUsage().heapUsed;
    }
    const format = FUZZ_FORMATS[Math.floor(random() * FUZZ_FORMATS.length)] ?? 'csv';
    const prefix = FUZZ_SEEDS[Math.floor(random() * FUZZ_SEEDS.length)] ?? '';
    const noise = Array.from({ length: Math.floor(random() * 4000) }, () =>
      String.fromCharCode(Math.floor(random() * 128)),
    ).join('');
    await stream(path.join(dir, `f.${format}`), [prefix + noise]);
    await runCompute(storage, {
      operation: 'stats',
      input: `f.${format}`,
      columns: ['a'],
      output: `out/${i}.csv`,
      output_format: 'csv',
    } as ComputeRequest).catch((err: unknown) => {
      if (!isAppError(err)) throw err;
    });
    await rm(path.join(dir, 'out', `${i}.csv`), { force: true });
  }
  gc();
  return process.memoryUsage().heapUsed - heapAtWarm;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? '{}') as MemoryCase;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memory-probe-'));
  try {
    const storage = new Storage(dir);
    let outcome = 'result';
    let heapGrowthKb: number | undefined;
    const started = Date.now();
    if (c.kind === 'fuzz-loop') {
      gc();
      const baselineKb = kb('VmRSS', await readFile('/proc/self/status', 'utf8'));
      heapGrowthKb = Math.round((await fuzzLoop(dir, storage, c.iterations, c.seed)) / 1024);
      await report(outcome, baselineKb, started, heapGrowthKb);
      return;
    }
    const request = await generate(dir, c);
    // The engine's database is opened once per process: its fixed cost is not the input's.
    (await connectTo(await storage.realRoot())).closeSync();
    gc();
    const baselineKb = kb('VmRSS', await readFile('/proc/self/status', 'utf8'));
    try {
      await runCompute(storage, { ...request, output: 'out.csv', output_format: 'csv' } as ComputeRequest);
    } catch (err) {
      if (!isAppError(err)) throw err;
      outcome = err.code;
    }
    await report(outcome, baselineKb, started, heapGrowthKb);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Prints the report line; the peak is read last, so it covers the whole run. */
async function report(
  outcome: string,
  baselineKb: number,
  started: number,
  heapGrowthKb?: number,
): Promise<void> {
  const ms = Date.now() - started;
  gc();
  const out: ProbeReport = {
    outcome,
    baselineKb,
    peakKb: kb('VmHWM', await readFile('/proc/self/status', 'utf8')),
    heapAfterKb: Math.round(process.memoryUsage().heapUsed / 1024),
    ...(heapGrowthKb !== undefined && { heapGrowthKb }),
    ms,
  };
  process.stdout.write(`PROBE ${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stdout.write(`PROBE-CRASH ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
  process.exitCode = 1;
});
