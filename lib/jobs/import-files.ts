/**
 * The one-time import of job state kept as files by older versions
 * (`<storage root>/.jobs/`: `<id>.json` per job, `idem/<hash>.json` per
 * idempotency key) into the jobs' table, at the local stack's start. The
 * folder is then renamed, never deleted, so that nobody's history vanishes.
 *
 * @module
 */
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { IDEMPOTENCY_TTL_MS, type IdempotentAnswer } from './idempotency-keys.js';
import { isJobId, JOB_STATUSES, type Job } from './job.js';
import { idempotencyPk, toJobItem, userKey } from './job-items.js';
import { isConditionFailed, send, type JobTable } from './table-ops.js';

/** The folder older versions kept job state in, under the storage root. */
export const LEGACY_FOLDER = '.jobs';

/** What {@link importJobFiles} did. */
export interface FileImport {
  /** Jobs written to the table (those already there are left as they are). */
  readonly jobs: number;
  /** Idempotency keys younger than 24 hours written to the table. */
  readonly keys: number;
  /** Files that could not be read as a job or a key (left in the renamed folder). */
  readonly skipped: number;
  /** Where the folder now is (absolute). */
  readonly renamedTo: string;
}

/** An old idempotency key's file. */
interface LegacyKey {
  readonly job_id: string;
  readonly at: number;
  readonly fingerprint?: string;
  readonly answer?: IdempotentAnswer;
}

async function jsonFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => e.name);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const isLegacyJob = (doc: unknown, id: string): doc is Job =>
  typeof doc === 'object' &&
  doc !== null &&
  (doc as Partial<Job>).job_id === id &&
  JOB_STATUSES.includes((doc as Partial<Job>).status as Job['status']) &&
  typeof (doc as Partial<Job>).submitted_by === 'string' &&
  typeof (doc as Partial<Job>).submitted_at === 'string';

/** Puts an item unless one with its key exists (a repeated import after a crash changes nothing). */
async function putNew(table: JobTable, item: Record<string, unknown>): Promise<boolean> {
  try {
    await send(
      table,
      new PutCommand({ TableName: table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/**
 * Imports `<root>/.jobs/` if it exists, then renames it
 * `.jobs.imported-<UTC date and time>`. Users' counts of active jobs are not
 * written here: the recovery that follows at start sets them from the jobs.
 *
 * @param root - the storage root
 * @param table - the jobs' table
 * @param retentionDays - `JOB_RETENTION_DAYS`, for the expiry of finished jobs
 * @returns what was imported, or undefined when there was no folder
 * @throws `StorageError` when the table refuses the writes (the folder is then left in place, to import again)
 */
export async function importJobFiles(
  root: string,
  table: JobTable,
  retentionDays: number,
): Promise<FileImport | undefined> {
  const folder = path.join(root, LEGACY_FOLDER);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) return undefined;
  let jobs = 0;
  let keys = 0;
  let skipped = 0;
  const owners = new Map<string, string>();
  for (const name of await jsonFiles(folder)) {
    const id = name.slice(0, -'.json'.length);
    const doc = await readJson(path.join(folder, name));
    if (!isJobId(id) || !isLegacyJob(doc, id)) {
      skipped += 1;
      continue;
    }
    owners.set(id, doc.submitted_by);
    if (await putNew(table, { ...toJobItem(doc, 1, retentionDays) })) jobs += 1;
  }
  for (const name of await jsonFiles(path.join(folder, 'idem'))) {
    const hash = name.slice(0, -'.json'.length);
    const entry = (await readJson(path.join(folder, 'idem', name))) as Partial<LegacyKey> | undefined;
    const owner = typeof entry?.job_id === 'string' ? owners.get(entry.job_id) : undefined;
    if (!/^[0-9a-f]{64}$/.test(hash) || owner === undefined || typeof entry?.at !== 'number') {
      skipped += 1;
      continue;
    }
    // A key older than 24 hours no longer holds: nothing to import.
    if (Date.now() - entry.at > IDEMPOTENCY_TTL_MS) continue;
    const item = {
      pk: idempotencyPk(userKey(owner), hash),
      job_id: entry.job_id,
      claimed_at: entry.at,
      expires_at: Math.floor((entry.at + IDEMPOTENCY_TTL_MS) / 1000),
      ...(entry.fingerprint !== undefined && { fingerprint: entry.fingerprint }),
      ...(entry.answer !== undefined && { answer: entry.answer }),
    };
    if (await putNew(table, item)) keys += 1;
  }
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const renamedTo = `${folder}.imported-${stamp}`;
  await rename(folder, renamedTo);
  return { jobs, keys, skipped, renamedTo };
}
