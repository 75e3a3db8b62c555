/**
 * `node --import tsx scripts/lambda-duckdb-binding.ts`: makes sure
 * node_modules holds DuckDB's native binding for Lambda x86_64 (Linux,
 * glibc), `@duckdb/node-bindings-linux-x64`, at the version package-lock.json
 * pins, and that it is loadable there. serverless.yml copies it, with
 * `@duckdb/node-bindings` and `detect-libc`, into the zips of the functions
 * that run DuckDB (their `package.patterns`); `serverless package` and
 * `deploy` run this first (scripts/serverless-duckdb-binding.mjs).
 *
 * The binding is chosen explicitly, never the host's: on a Linux x64 (glibc)
 * machine npm has installed it already; anywhere else (macOS, Windows, ARM)
 * npm skipped it as an optional dependency for another platform, so it is
 * fetched with `npm pack` (the registry, or npm's cache offline), its tarball
 * checked against the lockfile's integrity, and unpacked into node_modules
 * beside the host's own binding, which stays in use locally. Either way the
 * two native files are then checked to be x86-64 ELF objects needing no newer
 * glibc / libstdc++ than Amazon Linux 2023 (the nodejs22.x runtime's OS) has.
 *
 * @throws Error when the package is missing from the lockfile, a download does
 * not match its integrity, or the binding is not a Lambda-loadable x86-64 object.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The npm package carrying DuckDB's binding for Lambda x86_64 (glibc). */
export const BINDING_PACKAGE = '@duckdb/node-bindings-linux-x64';
/** The binding's files, both loaded by `dlopen` (duckdb.node finds libduckdb.so by its RUNPATH `$ORIGIN`). */
export const NATIVE_FILES = ['duckdb.node', 'libduckdb.so'] as const;
/** ELF `e_machine` of x86-64. */
const EM_X86_64 = 0x3e;
/** Amazon Linux 2023: glibc 2.34, GCC 11's libstdc++ (GLIBCXX_3.4.29). */
const MAX_SYMBOL_VERSIONS: Record<string, number[]> = { GLIBC: [2, 34], GLIBCXX: [3, 4, 29] };

/** A package as package-lock.json (v3) pins it. */
interface LockedPackage {
  version: string;
  integrity: string;
}

async function lockedBinding(root: string): Promise<LockedPackage> {
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Partial<LockedPackage>>;
  };
  const entry = lock.packages[`node_modules/${BINDING_PACKAGE}`];
  if (entry?.version === undefined || entry.integrity === undefined)
    throw new Error(`${BINDING_PACKAGE} is not in package-lock.json: run npm install first`);
  return { version: entry.version, integrity: entry.integrity };
}

async function installedVersion(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return undefined;
  }
}

/** Fetches the tarball with `npm pack`, checks its integrity, and unpacks it to `target`. */
async function fetchInto(locked: LockedPackage, target: string): Promise<void> {
  const staging = await mkdtemp(path.join(os.tmpdir(), 'duckdb-binding-'));
  try {
    const spec = `${BINDING_PACKAGE}@${locked.version}`;
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', staging]);
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (packed === undefined) throw new Error(`npm pack ${spec} produced nothing`);
    const tarball = path.join(staging, packed.filename);
    const [algorithm, expected] = locked.integrity.split('-', 2) as [string, string];
    const actual = createHash(algorithm)
      .update(await readFile(tarball))
      .digest('base64');
    if (actual !== expected)
      throw new Error(`${spec}: the tarball does not match package-lock.json's integrity`);
    await run('tar', ['-xzf', tarball, '-C', staging]);
    await rm(target, { recursive: true, force: true });
    await rename(path.join(staging, 'package'), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks that a native file is a 64-bit little-endian x86-64 ELF object whose
 * versioned glibc / libstdc++ symbols Amazon Linux 2023 provides.
 *
 * @param file - path of a `.node` or `.so` file
 * @throws Error naming the file and what Lambda x86_64 on Amazon Linux 2023 lacks
 */
export async function checkLambdaLoadable(file: string): Promise<void> {
  const bytes = await readFile(file);
  const isElf64 =
    bytes.length > 20 && bytes.readUInt32BE(0) === 0x7f454c46 && bytes[4] === 2 && bytes[5] === 1;
  if (!isElf64 || bytes.readUInt16LE(18) !== EM_X86_64)
    throw new Error(`${file} is not an x86-64 ELF object: Lambda x86_64 cannot load it`);
  // Version names (GLIBC_2.25, …) are plain strings in the dynamic string table.
  const text = bytes.toString('latin1');
  for (const [prefix, max] of Object.entries(MAX_SYMBOL_VERSIONS)) {
    for (const match of text.matchAll(new RegExp(`\\b${prefix}_(\\d+(?:\\.\\d+)+)\\b`, 'g'))) {
      if (compareVersions(match[1]!.split('.').map(Number), max) > 0)
        throw new Error(
          `${file} needs ${prefix}_${match[1]}, newer than Amazon Linux 2023's ${max.join('.')}`,
        );
    }
  }
}

/**
 * Puts the locked Lambda binding in `root/node_modules` if it is not there at
 * that version, and checks it.
 *
 * @param root - the project's root (its package-lock.json and node_modules)
 * @returns the version, and whether it was already installed or fetched
 */
export async function ensureLambdaBinding(root: string): Promise<{ version: string; fetched: boolean }> {
  const locked = await lockedBinding(root);
  const dir = path.join(root, 'node_modules', BINDING_PACKAGE);
  const fetched = (await installedVersion(dir)) !== locked.version;
  if (fetched) await fetchInto(locked, dir);
  for (const file of NATIVE_FILES) await checkLambdaLoadable(path.join(dir, file));
  return { version: locked.version, fetched };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { version, fetched } = await ensureLambdaBinding(process.cwd());
  process.stdout.write(
    `Lambda binding: ${BINDING_PACKAGE}@${version} (${fetched ? 'fetched with npm pack' : 'installed'}), x86-64, glibc ≤ 2.34\n`,
  );
}
