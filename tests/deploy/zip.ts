/**
 * Just enough of the ZIP format to read the archives `serverless package`
 * writes (stored or deflated entries, no ZIP64, no encryption): the tests
 * list them and unpack them as Lambda does, without an unzip tool or a
 * dependency.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** One file of an archive, from its central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
  readonly method: number;
  readonly localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Lists an archive's entries.
 *
 * @throws Error when the buffer is not a ZIP archive this reader handles
 */
export function zipEntries(zip: Buffer): ZipEntry[] {
  // The end record is in the last 22 bytes plus at most a 64 KiB comment.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP archive: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error('corrupt ZIP central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * The uncompressed content of one entry.
 *
 * @throws Error on an unsupported compression method or a size mismatch
 */
export function zipEntryData(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_FILE_HEADER)
    throw new Error(`corrupt ZIP local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  if (entry.method !== 0 && entry.method !== 8)
    throw new Error(`${entry.name}: compression method ${entry.method}`);
  const data = entry.method === 0 ? raw : inflateRawSync(raw);
  if (data.length !== entry.size)
    throw new Error(`${entry.name}: ${data.length} bytes, expected ${entry.size}`);
  return data;
}

/**
 * Unpacks an archive file into a folder, as Lambda unpacks a function's zip
 * into /var/task.
 *
 * @throws Error on an entry that would land outside the folder
 */
export async function unzipTo(file: string, dir: string): Promise<void> {
  const zip = await readFile(file);
  for (const entry of zipEntries(zip)) {
    if (entry.name.endsWith('/')) continue;
    const target = path.resolve(dir, entry.name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${entry.name} escapes the folder`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, zipEntryData(zip, entry));
  }
}
