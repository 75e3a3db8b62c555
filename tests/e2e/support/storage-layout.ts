/**
 * Prepares a temporary storage for an end-to-end stack: the fixtures, plus
 * the traps the tests need (symlinks leading outside, a file where a folder
 * is expected).
 *
 * @module
 */
import { copyFile, mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './stack-process.js';

/** Paths of the prepared layout. */
export interface StorageLayout {
  /** Temporary folder holding everything; remove it when done. */
  readonly base: string;
  /** HDFS_ROOT of the stack. */
  readonly root: string;
}

/** Storage-relative folder of the fixtures. */
export const INPUT_DIR = 'e2e';
/** A symlink inside the storage to a file outside it. */
export const ESCAPING_FILE_LINK = `${INPUT_DIR}/outside-link.csv`;
/** A symlink inside the storage to a folder outside it. */
export const ESCAPING_DIR_LINK = `${INPUT_DIR}/outside-dir`;
/**
 * A regular file. An output under it (`blocker/out.csv`) passes the checks
 * made before queuing (nothing exists there) but cannot be created by the
 * worker: a real storage fault, unexpected, so the job is retried and then
 * dead-lettered.
 */
export const BLOCKER_FILE = `${INPUT_DIR}/blocker`;

/** A file whose extension no reader knows. */
export const UNKNOWN_FORMAT_FILE = `${INPUT_DIR}/notes.txt`;

/** The CSV fixture under an extension no reader knows, to be read with `format: "csv"`. */
export const CSV_WITHOUT_EXTENSION = `${INPUT_DIR}/sales.dat`;

/**
 * Creates `<tmp>/dataframe-jobs-e2e-XXXX/{hdfs,outside}` and fills the storage.
 */
export async function prepareStorage(): Promise<StorageLayout> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'dataframe-jobs-e2e-'));
  const root = path.join(base, 'hdfs');
  const outside = path.join(base, 'outside');
  const inputs = path.join(root, INPUT_DIR);
  await mkdir(inputs, { recursive: true });
  await mkdir(outside, { recursive: true });
  const fixtures = path.join(REPO_ROOT, 'tests/fixtures/e2e');
  for (const name of await readdir(fixtures))
    await copyFile(path.join(fixtures, name), path.join(inputs, name));
  await copyFile(path.join(fixtures, 'sales.csv'), path.join(root, CSV_WITHOUT_EXTENSION));
  await writeFile(path.join(outside, 'secret.csv'), 'secret\nnot for you\n');
  await symlink(path.join(outside, 'secret.csv'), path.join(root, ESCAPING_FILE_LINK));
  await symlink(outside, path.join(root, ESCAPING_DIR_LINK));
  await writeFile(path.join(root, BLOCKER_FILE), 'a file where the worker needs a folder\n');
  await writeFile(path.join(root, UNKNOWN_FORMAT_FILE), 'region,amount\nnorth,1\n');
  return { base, root };
}
