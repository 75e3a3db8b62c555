import type { FileHandle } from 'node:fs/promises';
import type { ByteSink } from '../types.js';

const FLUSH_AT = 1 << 20;
const encoder = new TextEncoder();

/**
 * A {@link ByteSink} over an open file that batches small writes into
 * writes of about 1 MiB, since writers emit many small pieces.
 */
export class BufferedFileSink implements ByteSink {
  #handle: FileHandle;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Bytes accepted so far. */
  bytesWritten = 0;

  /** @param handle - a file opened for writing; the caller closes it */
  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Buffers `chunk`, writing to the file once 1 MiB is pending. */
  async write(chunk: Uint8Array | string): Promise<void> {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.bytesWritten += bytes.length;
    if (this.#pendingBytes >= FLUSH_AT) await this.flush();
  }

  /** Writes everything pending to the file. */
  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    // writeFile loops until every byte is written, where write() may stop short.
    await this.#handle.writeFile(data);
  }
}
