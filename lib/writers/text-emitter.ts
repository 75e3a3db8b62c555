/**
 * Accumulates the text of a batch and hands it to the sink in pieces of
 * about 1 MiB, so that no writer ever holds a whole file (or a huge batch)
 * as one string.
 *
 * @module
 */
import type { ByteSink } from '../types.js';

/** Characters gathered before a piece is due to the sink. */
export const EMIT_AT = 1 << 20;

/**
 * Gathers text for a {@link ByteSink}. Appending is synchronous (no promise
 * per row); the caller flushes when {@link TextEmitter.full} says so, which
 * is where the sink's backpressure is honoured.
 *
 * @example
 * ```ts
 * out.add(line);
 * if (out.full) await out.flush();
 * ```
 */
export class TextEmitter {
  readonly #sink: ByteSink;
  #text = '';

  /** @param sink - where the text goes */
  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /** Appends `s` to the pending text. */
  add(s: string): void {
    this.#text += s;
  }

  /** True once at least {@link EMIT_AT} characters are pending. */
  get full(): boolean {
    return this.#text.length >= EMIT_AT;
  }

  /** Writes whatever is pending and waits for the sink. */
  async flush(): Promise<void> {
    if (this.#text.length === 0) return;
    const text = this.#text;
    this.#text = '';
    await this.#sink.write(text);
  }
}
