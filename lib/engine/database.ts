/**
 * The engine's DuckDB databases: one in-memory database per storage root,
 * confined to that root and the spill folder by DuckDB's own settings before
 * any request is seen, with the engine's SQL macros defined once.
 *
 * @module
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { MACROS } from './macros.js';
import { engineSettings, type EngineSettings } from './settings.js';

/**
 * A configuration value as a SQL string literal. Only for the engine's own
 * configuration (folders from the environment): `SET` takes no prepared
 * parameters. Request values never reach this function.
 */
function configLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A folder as DuckDB's `allowed_directories` wants it: absolute, ending with a separator. */
function asDirectory(folder: string): string {
  return folder.endsWith(path.sep) ? folder : folder + path.sep;
}

/**
 * The folder of this process's descriptors as DuckDB canonicalizes it
 * (`/proc/<pid>/fd/`). The storage hands the engine `/proc/self/fd/N` paths
 * of files it opened and checked; DuckDB resolves those to the file's real
 * path, inside the root, except when the file has been deleted or replaced
 * since it was opened: the link then resolves to nothing and DuckDB keeps
 * `/proc/<pid>/fd/N`. Allowing that folder lets such a job finish on the
 * file it opened; a descriptor of a file that still exists outside the root
 * is still refused, since it resolves there. Clients cannot name these
 * paths: every path DuckDB sees comes from the storage.
 */
async function descriptorFolder(): Promise<string> {
  return realpath('/proc/self/fd');
}

/**
 * Opens a DuckDB database that can read and write only under `root`, spill
 * only to `settings.tempDirectory`, and read the descriptors of files the
 * storage opened (see `descriptorFolder`):
 * `allowed_directories`, then `enable_external_access = false` (no other
 * file, no network, no extension install), extension autoloading off, then
 * `lock_configuration = true`, so that no later statement can lift any of it.
 *
 * @param root - the storage root's real path (symlinks resolved)
 * @param settings - memory, threads and spill folder
 * @returns the database, ready for connections
 * @throws Error when DuckDB refuses a setting
 */
export async function openConfinedDatabase(root: string, settings: EngineSettings): Promise<DuckDBInstance> {
  await mkdir(settings.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(settings.threads),
    memory_limit: `${settings.memoryLimitMb}MiB`,
    temp_directory: settings.tempDirectory,
    max_temp_directory_size: `${settings.maxTempDirectorySizeMb}MiB`,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // Results are streamed to files; keeping insertion order is what non_null promises.
    preserve_insertion_order: 'true',
  });
  const setup = await instance.connect();
  try {
    const allowed = [
      asDirectory(root),
      asDirectory(settings.tempDirectory),
      asDirectory(await descriptorFolder()),
    ]
      .map(configLiteral)
      .join(', ');
    await setup.run(`SET allowed_directories = [${allowed}]`);
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
    for (const macro of MACROS) await setup.run(macro);
  } finally {
    setup.closeSync();
  }
  return instance;
}

/** Databases by storage root, opened once per process and kept (a Lambda container serves one root). */
const databases = new Map<string, Promise<DuckDBInstance>>();

/**
 * A new connection to the confined database of `root`; the caller closes it.
 * One connection per job, so that a job's query can be interrupted alone.
 *
 * @param root - the storage root's real path
 * @param settings - taken from the environment when the database is first opened
 * @throws Error when the database cannot be opened
 */
export async function connectTo(root: string, settings?: EngineSettings): Promise<DuckDBConnection> {
  let database = databases.get(root);
  if (database === undefined) {
    database = openConfinedDatabase(root, settings ?? engineSettings());
    databases.set(root, database);
    database.catch(() => databases.delete(root));
  }
  return (await database).connect();
}
