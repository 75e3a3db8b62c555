/**
 * How much of the machine one DuckDB database may use: memory, threads and
 * the spill folder. In Lambda the defaults follow the function's memory and
 * vCPUs (a job uses every vCPU the function has); locally they divide the
 * machine among the worker pool, so that concurrent jobs do not
 * oversubscribe it. Each value can be set by an environment variable.
 *
 * @module
 */
import os from 'node:os';
import path from 'node:path';

/** Resources of the engine's DuckDB databases. */
export interface EngineSettings {
  /** DuckDB `memory_limit` in MiB. */
  readonly memoryLimitMb: number;
  /** DuckDB `threads`. */
  readonly threads: number;
  /** Folder where DuckDB spills what does not fit in memory (`temp_directory`). */
  readonly tempDirectory: string;
  /** DuckDB `max_temp_directory_size` in MiB. */
  readonly maxTempDirectorySizeMb: number;
}

/**
 * Share of the memory given to DuckDB: the rest is the Node runtime's (heap,
 * result chunks on their way to a writer) and the OS's.
 */
const DUCKDB_MEMORY_SHARE = 0.6;

/**
 * Share of a function's memory left to neither DuckDB nor the runtime's heap
 * (at least 128 MB): Node's code and buffers outside the heap, DuckDB's own
 * beyond its `memory_limit`, the OS.
 */
const RESERVED_SHARE = 0.15;

/**
 * The heap limit (`--max-old-space-size`) of a function's Node runtime, so
 * that DuckDB's memory limit, the heap and a reserve together fit in the
 * function's memory: past it, the runtime fails the job alone instead of the
 * process outgrowing its memory and taking the batch's other jobs with it.
 *
 * @param functionMemoryMb - the function's memory (`memorySize`)
 * @param duckdbMemoryMb - DuckDB's `memory_limit` in that function ({@link engineSettings})
 * @returns MiB for the old space, at least 256
 * @example
 * ```ts
 * runtimeHeapMb(3538, 2122); // 885: 2122 + 885 + 530 reserved = 3537
 * ```
 */
export function runtimeHeapMb(functionMemoryMb: number, duckdbMemoryMb: number): number {
  const reserved = Math.max(128, Math.ceil(functionMemoryMb * RESERVED_SHARE));
  return Math.max(256, Math.floor(functionMemoryMb - duckdbMemoryMb - reserved));
}

/** Parses a size such as `512MB`, `2GB`, `1.5GiB` or a bare number of MiB. */
export function parseSizeMb(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(k|m|g|t)?i?b?\s*$/i.exec(text);
  if (match === null) throw new Error(`invalid size ${JSON.stringify(text)}: use e.g. 512MB or 2GB`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 'm').toLowerCase();
  const factor = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 }[unit as 'k' | 'm' | 'g' | 't'];
  return Math.max(1, Math.floor(value * factor));
}

function positiveInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`invalid ${name} ${JSON.stringify(text)}: a whole number ≥ 1`);
  return n;
}

/**
 * The engine's settings from the environment.
 *
 * - `DUCKDB_MEMORY_LIMIT` (e.g. `512MB`): default 60 % of the Lambda function's memory
 *   (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`), else 60 % of the machine's memory divided by the
 *   worker pool (`MAX_WORKER_CONCURRENCY`, default 2), and locally no more than 60 % of the
 *   function's memory when it is set.
 * - `DUCKDB_THREADS`: default every vCPU in Lambda, else the cores divided by the pool (at least 1).
 * - `DUCKDB_TEMP_DIRECTORY`: default `<tmp>/dataframe-jobs-spill`.
 * - `DUCKDB_MAX_TEMP_DIRECTORY_SIZE`: default 8 GB in Lambda (its ephemeral storage is set to
 *   10 GB), 4 GB elsewhere.
 *
 * @param env - the environment
 * @param machine - the machine's memory and cores (tests give their own)
 * @throws Error naming the invalid variable (at cold start, never per request)
 */
export function engineSettings(
  env: NodeJS.ProcessEnv = process.env,
  machine: { memoryMb: number; cores: number } = {
    memoryMb: Math.floor(os.totalmem() / 2 ** 20),
    cores: os.availableParallelism(),
  },
): EngineSettings {
  const lambdaMb = positiveInt(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE');
  const inLambda = lambdaMb !== undefined && env.IS_OFFLINE === undefined;
  // MAX_WORKER_CONCURRENCY=0 pauses the local worker: the HTTP side still divides the machine as for one.
  const concurrency = Number(env.MAX_WORKER_CONCURRENCY ?? '');
  const pool = inLambda
    ? 1
    : env.MAX_WORKER_CONCURRENCY === undefined || env.MAX_WORKER_CONCURRENCY === ''
      ? 2
      : Number.isInteger(concurrency) && concurrency >= 0
        ? Math.max(1, concurrency)
        : (positiveInt(env.MAX_WORKER_CONCURRENCY, 'MAX_WORKER_CONCURRENCY') ?? 2);
  // A local function (serverless-offline, the worker pool) has no more memory than its Lambda would.
  const memoryMb = inLambda ? lambdaMb : Math.min(machine.memoryMb / pool, lambdaMb ?? Infinity);
  return {
    memoryLimitMb:
      env.DUCKDB_MEMORY_LIMIT !== undefined && env.DUCKDB_MEMORY_LIMIT !== ''
        ? parseSizeMb(env.DUCKDB_MEMORY_LIMIT)
        : Math.max(64, Math.floor(memoryMb * DUCKDB_MEMORY_SHARE)),
    threads:
      positiveInt(env.DUCKDB_THREADS, 'DUCKDB_THREADS') ??
      (inLambda ? machine.cores : Math.max(1, Math.floor(machine.cores / pool))),
    tempDirectory:
      env.DUCKDB_TEMP_DIRECTORY !== undefined && env.DUCKDB_TEMP_DIRECTORY !== ''
        ? path.resolve(env.DUCKDB_TEMP_DIRECTORY)
        : path.join(os.tmpdir(), 'dataframe-jobs-spill'),
    maxTempDirectorySizeMb:
      env.DUCKDB_MAX_TEMP_DIRECTORY_SIZE !== undefined && env.DUCKDB_MAX_TEMP_DIRECTORY_SIZE !== ''
        ? parseSizeMb(env.DUCKDB_MAX_TEMP_DIRECTORY_SIZE)
        : inLambda
          ? 8 * 1024
          : 4 * 1024,
  };
}
