/**
 * Bridge between hyparquet-writer's synchronous byte writer and the
 * asynchronous {@link ByteSink}.
 *
 * @module
 */
import { ByteWriter } from 'hyparquet-writer';
import type { ByteSink } from '../types.js';

/** Size of the buffers the encoder fills. */
const CHUNK = 1 << 20;

/**
 * A hyparquet-writer `Writer` whose bytes end up in a {@link ByteSink}.
 *
 * hyparquet-writer appends synchronously and never writes back into bytes
 * already appended, so when a buffer is full it is set aside as it is (no
 * copy, no doubling) and a fresh one is started. The set-aside buffers go to
 * the sink in {@link SinkByteWriter.flush}, which `ParquetWriter` calls, and
 * awaits, after each row group; {@link SinkByteWriter.finish} does the same
 * for the footer. Memory is thus bounded by one encoded row group.
 */
export class SinkByteWriter extends ByteWriter {
  readonly #sink: ByteSink;
  #full: Uint8Array[] = [];

  /** @param sink - where the bytes go */
  constructor(sink: ByteSink) {
    super(CHUNK);
    this.#sink = sink;
  }

  /** Makes room for `size` more bytes, starting a new buffer when this one is full. */
  override ensure(size: number): void {
    if (this.index + size <= this.buffer.byteLength) return;
    this.#setAside();
    if (size > this.buffer.byteLength) this.#fresh(size);
  }

  #setAside(): void {
    if (this.index > 0) this.#full.push(new Uint8Array(this.buffer, 0, this.index));
    this.#fresh(CHUNK);
  }

  #fresh(size: number): void {
    this.buffer = new ArrayBuffer(size);
    this.view = new DataView(this.buffer);
    this.index = 0;
  }

  /** Hands every byte appended so far to the sink, waiting for it. */
  async flush(): Promise<void> {
    this.#setAside();
    const chunks = this.#full;
    this.#full = [];
    for (const chunk of chunks) await this.#sink.write(chunk);
  }

  /** Hands the last bytes (the footer) to the sink. */
  override finish(): Promise<void> {
    return this.flush();
  }

  /** Not available: the bytes are streamed away, never held whole. */
  override getBuffer(): ArrayBuffer {
    throw new Error('SinkByteWriter streams its bytes; there is no buffer to get');
  }

  /** Not available: the bytes are streamed away, never held whole. */
  override getBytes(): Uint8Array<ArrayBuffer> {
    throw new Error('SinkByteWriter streams its bytes; there is no buffer to get');
  }
}
