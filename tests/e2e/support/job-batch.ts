/**
 * Many small jobs at once, for the fault tests: submitting them from a pool
 * of clients, listing a user's jobs page by page, waiting until every one
 * has ended, and checking every result file against the expected table.
 *
 * @module
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { call, type Job } from './client.js';
import { differences, readOutput } from './outputs.js';
import { CASES, INPUT_FORMATS, type Case } from './sales.js';

/** What one planned job asks for, and what its result must be. */
export interface PlannedJob {
  readonly index: number;
  readonly case: Case;
  readonly body: Record<string, unknown>;
}

const OUTPUT_FORMATS = ['csv', 'json', 'ndjson', 'xml', 'parquet'] as const;

/**
 * The `index`-th small job of a varied plan: every operation on every input
 * format of the e2e fixtures, written in every output format, in turn.
 */
export function plannedJob(index: number): PlannedJob {
  const c = CASES[index % CASES.length];
  const format = INPUT_FORMATS[Math.floor(index / CASES.length) % INPUT_FORMATS.length];
  const outputFormat = OUTPUT_FORMATS[index % OUTPUT_FORMATS.length];
  if (!c || !format || !outputFormat) throw new Error('empty plan');
  return {
    index,
    case: c,
    body: { input: `e2e/sales.${format}`, output_format: outputFormat, ...c.params },
  };
}

/** A job the service accepted (202). */
export interface AcceptedJob {
  readonly id: string;
  readonly planned: PlannedJob;
}

/** Outcome of {@link submitMany}. */
export interface SubmitOutcome {
  readonly accepted: AcceptedJob[];
  /** Submissions that got no answer (connection refused or reset), e.g. while the stack was killed. */
  readonly unanswered: number;
  /** Answers other than 202, by status. */
  readonly refused: Record<number, number>;
}

/** Options of {@link submitMany}. */
export interface SubmitOptions {
  readonly url: string;
  readonly token: string;
  /** Plan indices to submit, in order. */
  readonly indices: readonly number[];
  /** Concurrent clients. */
  readonly clients: number;
  /** Called after each accepted job with the count so far; may stop the run by returning `'stop'`. */
  readonly onAccepted?: (acceptedSoFar: number) => 'stop' | void | Promise<'stop' | void>;
}

/**
 * Submits planned jobs from a pool of clients. A submission that gets no
 * answer at all is counted, not thrown: the fault tests kill the stack while
 * submissions are in flight.
 */
export async function submitMany(options: SubmitOptions): Promise<SubmitOutcome> {
  const accepted: AcceptedJob[] = [];
  const refused: Record<number, number> = {};
  let unanswered = 0;
  let next = 0;
  let stopped = false;
  const client = async (): Promise<void> => {
    while (!stopped && next < options.indices.length) {
      const index = options.indices[next++];
      if (index === undefined) return;
      const planned = plannedJob(index);
      let res;
      try {
        res = await call(options.url, 'POST', `/compute/${planned.case.operation}`, {
          token: options.token,
          body: planned.body,
        });
      } catch (err) {
        // `fetch failed`: a TypeError of Node's realm, not of the test's, so compared by name.
        if ((err as { name?: unknown } | null)?.name === 'TypeError') {
          // fetch failed: no answer. After a kill every later call fails the same way.
          unanswered += 1;
          continue;
        }
        throw err;
      }
      if (res.status !== 202) {
        refused[res.status] = (refused[res.status] ?? 0) + 1;
        continue;
      }
      accepted.push({ id: (res.body as Job).job_id, planned });
      if ((await options.onAccepted?.(accepted.length)) === 'stop') stopped = true;
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  return { accepted, unanswered, refused };
}

/** Every job of the token's user, through `GET /jobs` page by page. */
export async function listAllJobs(url: string, token: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | null = null;
  do {
    const route: string = `/jobs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await call(url, 'GET', route, { token });
    if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}: ${res.text.slice(0, 300)}`);
    const page = res.body as { jobs: Job[]; next_cursor: string | null };
    jobs.push(...page.jobs);
    cursor = page.next_cursor;
  } while (cursor);
  return jobs;
}

const TERMINAL = new Set<Job['status']>(['succeeded', 'failed', 'cancelled']);

/**
 * Waits until every job of the user has ended.
 *
 * @returns the user's jobs, by id
 * @throws Error naming the unfinished jobs when `timeoutMs` passes
 */
export async function waitAllTerminal(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<Map<string, Job>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await listAllJobs(url, token);
    const open = jobs.filter((j) => !TERMINAL.has(j.status));
    if (open.length === 0) return new Map(jobs.map((j) => [j.job_id, j]));
    if (Date.now() > deadline) {
      throw new Error(
        `${open.length} job(s) still unfinished after ${timeoutMs} ms: ` +
          open
            .slice(0, 5)
            .map((j) => `${j.job_id} ${j.status} (attempts ${j.attempts})`)
            .join(', '),
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Checks each accepted job ended `succeeded` with the exact expected result.
 *
 * @param root - the stack's storage root
 * @returns one problem per line, empty when every job is right
 */
export async function outputProblems(
  root: string,
  accepted: readonly AcceptedJob[],
  jobs: ReadonlyMap<string, Job>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { id, planned } of accepted) {
    const job = jobs.get(id);
    if (!job) {
      problems.push(`${id}: lost (not in GET /jobs)`);
      continue;
    }
    if (job.status !== 'succeeded') {
      problems.push(`${id}: ${job.status} ${JSON.stringify(job.error)}`);
      continue;
    }
    try {
      const table = await readOutput(path.join(root, job.output), job.output_format);
      const diff = differences(table, job.output_format, planned.case.columns, planned.case.rows);
      if (diff.length > 0) problems.push(`${id} (${job.output}): ${diff.slice(0, 3).join('; ')}`);
    } catch (err) {
      problems.push(`${id} (${job.output}): unreadable: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** The files of a results folder, split into published outputs and temporary leftovers. */
export interface ResultsListing {
  /** Published files, by job id (the name before the extension). */
  readonly byJob: Map<string, string[]>;
  /** Hidden temporary files a killed write left behind (never visible as outputs). */
  readonly temporary: string[];
}

/** Lists `<root>/results`: which job each published file belongs to. */
export async function listResults(root: string): Promise<ResultsListing> {
  const byJob = new Map<string, string[]>();
  const temporary: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(path.join(root, 'results'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names) {
    if (name.startsWith('.')) {
      temporary.push(name);
      continue;
    }
    const id = name.replace(/\.[^.]+$/, '');
    byJob.set(id, [...(byJob.get(id) ?? []), name]);
  }
  return { byJob, temporary };
}
