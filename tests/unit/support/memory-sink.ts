import type { ByteSink } from '../../../lib/types.js';

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
