/**
 * Submitting a computation: validate, check everything that can be checked
 * before queuing, record the job, enqueue it.
 *
 * @module
 */
import type { z } from 'zod';
import {
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  PARAMS_SCHEMAS,
  type ComputeParams,
  type ComputeRequest,
  type Operation,
} from '../compute-request.js';
import { assertColumnsExist, defaultOutputFormat, inspectInput, outputExtension } from '../engine/index.js';
import {
  ConflictError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  OutputExistsError,
  TooManyRequestsError,
} from '../errors.js';
import type { Principal } from '../auth/token.js';
import type { IdempotentAnswer, IdempotentJob } from '../jobs/job-store.js';
import { newJobId, type Job } from '../jobs/job.js';
import { assertTakesWrites } from '../storage/write-check.js';
import type { ServiceDeps } from './deps.js';
import { requestFingerprint } from './fingerprint.js';

/** The outcome of a submission. */
export interface Submission {
  readonly job: Job;
  /** False when an idempotency key returned an earlier job (a replay). */
  readonly created: boolean;
  /** A replay's first answer, when it was not the 202 (a 200 of `Prefer: wait`). */
  readonly answer?: IdempotentAnswer | undefined;
}

/** Seconds a client is asked to wait when the queue, or its own share of it, is full. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Parses a body with one operation's params schema: the operation's fields and options, and the
 * options of the input's format.
 *
 * @throws `InvalidRequestError` listing every issue and the fields the operation takes
 */
function parseWith<S extends z.ZodObject>(operation: Operation, schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new InvalidRequestError(
      `invalid ${operation} request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      { issues, allowed_fields: Object.keys(schema.shape) },
    );
  }
  return parsed.data;
}

function parseParams(operation: Operation, body: unknown): ComputeParams {
  switch (operation) {
    case 'group_by':
      return { ...parseWith(operation, PARAMS_SCHEMAS.group_by, body), operation };
    case 'non_null':
      return { ...parseWith(operation, PARAMS_SCHEMAS.non_null, body), operation };
    case 'stats':
      return { ...parseWith(operation, PARAMS_SCHEMAS.stats, body), operation };
  }
}

/**
 * Validates an idempotency key: printable ASCII, at most 255 characters.
 *
 * @throws `InvalidRequestError`
 */
export function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new InvalidRequestError(
      `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, without spaces`,
    );
  }
  return key;
}

/**
 * Claims `key` for `jobId`; returns the job that already owns it, if any.
 * A key whose job is missing belongs to a submission whose enqueue failed
 * (its key is being released) or to a document removed by hand: wait for
 * the release, then take the key over.
 *
 * @throws `ConflictError` when concurrent submissions keep taking the key
 */
async function claimKey(
  deps: ServiceDeps,
  sub: string,
  key: string,
  jobId: string,
  fingerprint: string,
): Promise<IdempotentJob | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const owner = await deps.store.claimIdempotencyKey(sub, key, jobId, fingerprint);
    if (owner === jobId) return undefined;
    const earlier = await deps.store.findByIdempotencyKey(sub, key);
    if (earlier) return earlier;
    if (attempt >= 4) await deps.store.releaseIdempotencyKey(sub, key);
    else await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
  }
  throw new ConflictError('another request with this Idempotency-Key is in progress; retry');
}

/**
 * The answer to a replayed idempotency key: the job as it is now, and how the first request was answered.
 *
 * @throws `IdempotencyKeyReusedError` when the key first came with another request (an entry written before
 *   fingerprints were kept is taken as the same request)
 */
function replay(earlier: IdempotentJob, fingerprint: string): Submission {
  if (earlier.fingerprint !== undefined && earlier.fingerprint !== fingerprint) {
    throw new IdempotencyKeyReusedError(earlier.job.job_id);
  }
  return { job: earlier.job, created: false, answer: earlier.answer };
}

/**
 * Accepts a computation for `principal`.
 *
 * @param operation - the operation of the route (each route validates its own operation's schema)
 * @throws `InvalidRequestError`, `InvalidPathError`, `InputNotFoundError`,
 *   `UnsupportedFormatError`, `OutputExistsError`, `UnknownColumnError` (CSV, TSV, Parquet)
 * @throws `IdempotencyKeyReusedError` when `idempotencyKey` came with another request before
 * @throws `TooManyRequestsError` above `MAX_QUEUED_JOBS` waiting jobs, or when the caller already
 *   has `MAX_QUEUED_JOBS_PER_USER` jobs queued or running
 * @throws `QueueUnavailableError` when nothing could be queued
 * @throws `StorageError` while the storage takes no writes (full, read-only), or the job table is unreachable
 */
export async function submitJob(
  deps: ServiceDeps,
  principal: Principal,
  operation: Operation,
  body: unknown,
  idempotencyKey?: string,
): Promise<Submission> {
  // A JSON `null` arrives from serverless-offline as no body at all: both are refused alike.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('the body must be a JSON object');
  }
  const params = parseParams(operation, body);
  const key = checkIdempotencyKey(idempotencyKey);
  const idem = key === undefined ? undefined : { key, fingerprint: requestFingerprint(operation, body) };
  if (idem) {
    const earlier = await deps.store.findByIdempotencyKey(principal.sub, idem.key);
    if (earlier) return replay(earlier, idem.fingerprint);
  }
  if ((await deps.backlog.estimate()) >= deps.config.maxQueuedJobs) {
    throw new TooManyRequestsError('too many jobs are waiting; retry later', RETRY_AFTER_SECONDS);
  }
  // A job accepted now could only fail after its retries: refused at once, while nothing is reserved.
  await assertTakesWrites(deps.storage.root);
  const jobId = newJobId();
  // Counted and reserved by one conditional increment, before anything costly: exact under concurrency,
  // and a user at the limit costs nobody else a thing.
  const limit = deps.config.maxQueuedJobsPerUser;
  if (!(await deps.store.reserveSlot(principal.sub, limit))) {
    throw new TooManyRequestsError(
      `you already have ${limit} jobs queued or running; retry once some have ended`,
      RETRY_AFTER_SECONDS,
      { limit },
    );
  }
  let queued = false;
  try {
    const submission = await createJob(deps, principal, operation, params, jobId, idem);
    queued = submission.created;
    return submission;
  } finally {
    // Nothing of this job is queued (an error, or a replay of a concurrent request's key): its slot goes.
    // If the table refuses even that, the original error matters more; the next local start recounts.
    if (!queued) await deps.store.releaseSlot(principal.sub).catch(() => undefined);
  }
}

/** The rest of a submission once the user's slot is reserved: checks, job item, enqueue. */
async function createJob(
  deps: ServiceDeps,
  principal: Principal,
  operation: Operation,
  params: ComputeParams,
  jobId: string,
  idem: { readonly key: string; readonly fingerprint: string } | undefined,
): Promise<Submission> {
  const key = idem?.key;
  // With STORAGE_SCOPE=user, the caller's paths are relative to their own folder.
  const storage = deps.storage.forUser(principal.sub);
  const info = await inspectInput(storage, params.input, params.format, params.options);
  const outputFormat = params.output_format ?? defaultOutputFormat(info.format);
  const output = storage.normalize(params.output ?? `results/${jobId}.${outputExtension(outputFormat)}`, {
    output: true,
  });
  if (await storage.exists(output)) throw new OutputExistsError(output);
  if (info.columns) {
    const aggregated = params.operation === 'group_by' ? Object.keys(params.aggregations ?? {}) : [];
    assertColumnsExist([...params.columns, ...aggregated], info.columns);
  }

  const request: ComputeRequest = {
    ...params,
    output,
    output_format: outputFormat,
    format: info.format,
  };
  const job: Job = {
    job_id: jobId,
    status: 'queued',
    operation,
    input: storage.normalize(params.input),
    output,
    output_format: outputFormat,
    submitted_by: principal.sub,
    submitted_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    duration_ms: null,
    rows_in: null,
    rows_out: null,
    attempts: 0,
    progress: null,
    error: null,
    request,
  };
  // The job exists before the key points at it, so a concurrent request that finds the key
  // always finds its job; the loser of a race drops its own job, which was never queued.
  await deps.store.create(job);
  if (idem) {
    const earlier = await claimKey(deps, principal.sub, idem.key, jobId, idem.fingerprint);
    if (earlier) {
      await deps.store.discard(job);
      return replay(earlier, idem.fingerprint);
    }
  }
  try {
    await deps.queue.enqueue(jobId);
    deps.backlog.noteEnqueued();
  } catch (err) {
    // Nothing was queued: the job must not linger as `queued`, and its key must not stick.
    await deps.store.discard(job);
    if (key) await deps.store.releaseIdempotencyKey(principal.sub, key);
    throw err;
  }
  deps.logger.info('job queued', { job_id: jobId, user: principal.sub, operation, input: job.input, output });
  return { job, created: true };
}
