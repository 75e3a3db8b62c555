import type { ColumnTable } from 'arquero';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../../../lib/storage/storage.js';
import type { ByteSink, ColumnSpec, OutputFormat, TableWriter } from '../../../lib/types.js';
import { createWriter } from '../../../lib/writers/index.js';

/** Writes `batches` with a real Storage (atomic write) and returns the file's path and bytes. */
export async function writeTables(
  storage: Storage,
  rel: string,
  format: OutputFormat,
  schema: readonly ColumnSpec[],
  batches: readonly ColumnTable[],
  make: (sink: ByteSink) => TableWriter = (sink) => createWriter(format, sink, schema),
): Promise<{ file: string; bytes: Buffer }> {
  await storage.writeAtomic(rel, async (sink) => {
    const writer = make(sink);
    for (const batch of batches) await writer.write(batch);
    await writer.close();
  });
  const file = path.join(storage.root, ...rel.split('/'));
  return { file, bytes: await readFile(file) };
}

/** A sink that keeps every chunk it receives, to inspect how a writer emits. */
export class MemorySink implements ByteSink {
  readonly chunks: (Uint8Array | string)[] = [];

  async write(chunk: Uint8Array | string): Promise<void> {
    this.chunks.push(typeof chunk === 'string' ? chunk : chunk.slice());
  }

  /** Everything received, as UTF-8 text. */
  text(): string {
    const dec = new TextDecoder();
    return this.chunks.map((c) => (typeof c === 'string' ? c : dec.decode(c))).join('');
  }
}
