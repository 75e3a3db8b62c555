import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkLambdaLoadable } from '../../scripts/lambda-duckdb-binding.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lambda-binding-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** A minimal ELF64 little-endian header for `machine`, followed by `strings` as a string table would hold them. */
async function elf(name: string, machine: number, strings: string[]): Promise<string> {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header.writeUInt16LE(machine, 18);
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat([header, Buffer.from(`\0${strings.join('\0')}\0`, 'latin1')]));
  return file;
}

test('an x86-64 object needing glibc 2.25 and GLIBCXX 3.4.22, as DuckDB 1.5.6 does, is loadable on Lambda', async () => {
  const file = await elf('ok.so', 0x3e, ['GLIBC_2.2.5', 'GLIBC_2.25', 'GLIBCXX_3.4.22', 'CXXABI_1.3.9']);
  await expect(checkLambdaLoadable(file)).resolves.toBeUndefined();
});

test('an arm64 object is refused for Lambda x86_64', async () => {
  const file = await elf('arm64.so', 0xb7, ['GLIBC_2.17']);
  await expect(checkLambdaLoadable(file)).rejects.toThrow(/not an x86-64 ELF object/);
});

test('a file that is not ELF, such as a macOS binding, is refused', async () => {
  const file = path.join(dir, 'macho.node');
  await writeFile(file, Buffer.from('cffaedfe0c000001', 'hex'));
  await expect(checkLambdaLoadable(file)).rejects.toThrow(/not an x86-64 ELF object/);
});

test('an object needing a newer glibc than Amazon Linux 2023 (2.34) is refused', async () => {
  const file = await elf('new-glibc.so', 0x3e, ['GLIBC_2.17', 'GLIBC_2.38']);
  await expect(checkLambdaLoadable(file)).rejects.toThrow(
    /needs GLIBC_2\.38, newer than Amazon Linux 2023's 2\.34/,
  );
});

test('an object needing a newer libstdc++ than GCC 11 (GLIBCXX 3.4.29) is refused', async () => {
  const file = await elf('new-libstdcxx.so', 0x3e, ['GLIBC_2.17', 'GLIBCXX_3.4.30']);
  await expect(checkLambdaLoadable(file)).rejects.toThrow(/needs GLIBCXX_3\.4\.30/);
});
