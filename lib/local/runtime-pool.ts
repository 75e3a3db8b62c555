/**
 * Local Lambda execution environments for one function: a bounded pool of
 * child processes, each running `function-runtime.ts` over the function's
 * esbuild bundle, one invocation at a time.
 *
 * Why processes and not serverless-offline's own invocation: serverless-offline
 * runs the HTTP functions in its own process (warm, fast); a worker batch can
 * run for minutes and use a lot of memory, and must never stall or crash the
 * process that answers HTTP. A process per execution environment gives what
 * Lambda gives: isolation, a real timeout (the process is killed), a crash
 * that fails only its invocation, and a fresh environment afterwards.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InvokeOutcome, Invoker } from './invoker.js';
import type { LocalLogger } from './local-log.js';
import type { RuntimeReply } from './runtime-protocol.js';

const RUNTIME_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'function-runtime.ts');

/** Options of {@link RuntimePool}. */
export interface RuntimePoolOptions {
  /** Absolute path of the function's ESM bundle. */
  readonly bundle: string;
  /** Exported handler, e.g. `handler`. */
  readonly exportName: string;
  /** Deployed function name, reported in the Lambda context. */
  readonly functionName: string;
  /** Execution environments at most (the event source's concurrency). */
  readonly size: number;
  /** The function's timeout: an invocation still running then is killed. */
  readonly timeoutMs: number;
  /**
   * Heap limit (`--max-old-space-size`) of each environment: the function's memory less
   * DuckDB's share and a reserve (`runtimeHeapMb` of `lib/engine/settings.ts`).
   */
  readonly heapMb?: number;
  /**
   * Scheduling priority of the runtime processes (Unix nice value, 0..19):
   * above 0, the processes that answer HTTP get the CPU first on a shared
   * machine, and the queue holds the jobs meanwhile.
   */
  readonly nice?: number;
  /** Complete environment of the runtime processes. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: LocalLogger;
}

interface Pending {
  readonly id: number;
  readonly resolve: (outcome: InvokeOutcome) => void;
}

/** One execution environment. */
class Runtime {
  readonly child: ChildProcess;
  /** Resolves once the bundle is loaded; rejects if it cannot be. */
  readonly ready: Promise<void>;
  readonly exited: Promise<string>;
  busy = false;
  alive = true;
  pending: Pending | undefined;

  constructor(
    options: RuntimePoolOptions,
    readonly bundleMtime: number,
  ) {
    this.child = fork(RUNTIME_SCRIPT, [options.bundle, options.exportName, options.functionName], {
      execPath: process.execPath,
      execArgv: [
        '--enable-source-maps',
        '--no-warnings=ExperimentalWarning',
        ...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : []),
        // Node 22 strips the runtime's types itself: a tsx loader would also transform the 4 MB
        // bundle and its source map, ~2 s of CPU per process start.
      ],
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (options.nice && this.child.pid !== undefined) {
      try {
        setPriority(this.child.pid, options.nice);
      } catch {
        // Not allowed here (some containers): the runtime runs at normal priority, which is only slower.
      }
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        const how = signal ?? `code ${String(code)}`;
        this.pending?.resolve({
          ok: false,
          error: `the runtime process exited (${how}) during the invocation`,
        });
        this.pending = undefined;
        resolve(how);
      });
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: RuntimeReply) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(message.error));
        else if (message.type === 'result' && this.pending?.id === message.id) {
          const { resolve: done } = this.pending;
          this.pending = undefined;
          done(message.ok ? { ok: true, payload: message.payload } : { ok: false, error: message.error });
        }
      });
      void this.exited.then((how) => reject(new Error(`the runtime process exited while starting (${how})`)));
    });
    // Startup failures are reported by the invocation that awaits `ready`.
    this.ready.catch(() => undefined);
  }

  /** Kills the process; from now on the environment is never handed out again. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.child.kill('SIGKILL');
  }
}

/**
 * A pool of execution environments; its {@link RuntimePool.invoke} is an
 * {@link Invoker} for the local event source.
 *
 * @example
 * ```ts
 * const pool = new RuntimePool({ bundle, exportName: 'handler', functionName: 'svc-local-worker',
 *   size: 2, timeoutMs: 300_000, env: process.env, log });
 * const outcome = await pool.invoke({ Records: [] });
 * await pool.stop();
 * ```
 */
export class RuntimePool {
  readonly #options: RuntimePoolOptions;
  readonly #runtimes = new Set<Runtime>();
  readonly #waiting: (() => void)[] = [];
  #nextId = 1;
  #stopped = false;

  /** @param options - bundle, size, timeout, environment */
  constructor(options: RuntimePoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('size must be at least 1');
    this.#options = options;
  }

  /**
   * Runs the function once. Never throws: a handler error, a timeout, a crash
   * or a stop are reported as `{ ok: false }`.
   */
  readonly invoke: Invoker = async (event, signal) => {
    if (this.#stopped) return { ok: false, error: 'the runtime pool is stopped' };
    let runtime: Runtime;
    try {
      runtime = await this.#acquire();
      await runtime.ready;
    } catch (err) {
      return { ok: false, error: `the function could not start: ${(err as Error).message}` };
    }
    try {
      return await this.#run(runtime, event, signal);
    } finally {
      this.#release(runtime);
    }
  };

  /** Kills every environment (an in-flight invocation reports a failure). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const exits = [...this.#runtimes].map((r) => r.exited);
    for (const r of this.#runtimes) r.kill();
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.all(exits);
  }

  async #run(runtime: Runtime, event: unknown, signal?: AbortSignal): Promise<InvokeOutcome> {
    const { timeoutMs } = this.#options;
    const id = this.#nextId++;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => runtime.kill();
    const outcome = new Promise<InvokeOutcome>((resolve) => {
      runtime.pending = { id, resolve };
      timer = setTimeout(() => {
        // As Lambda does: the environment that timed out is discarded, whatever it was doing.
        resolve({ ok: false, error: `the function timed out after ${timeoutMs} ms` });
        runtime.pending = undefined;
        runtime.kill();
      }, timeoutMs);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) runtime.kill();
    else if (runtime.alive)
      runtime.child.send({ type: 'invoke', id, event, deadline: Date.now() + timeoutMs });
    try {
      return await outcome;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** An idle environment on the current bundle, a new one if there is room, else waits for one. */
  async #acquire(): Promise<Runtime> {
    const mtime = await stat(this.#options.bundle).then((s) => s.mtimeMs);
    for (;;) {
      if (this.#stopped) throw new Error('the runtime pool is stopped');
      for (const r of this.#runtimes) {
        if (!r.alive) this.#runtimes.delete(r);
        else if (!r.busy && r.bundleMtime !== mtime) {
          // The bundle was rebuilt (watch mode): retire the environment running the old code.
          r.kill();
          this.#runtimes.delete(r);
        }
      }
      const idle = [...this.#runtimes].find((r) => !r.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.#runtimes.size < this.#options.size) {
        const fresh = new Runtime(this.#options, mtime);
        fresh.busy = true;
        this.#runtimes.add(fresh);
        this.#options.log('debug', 'started a worker execution environment', { pid: fresh.child.pid });
        return fresh;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #release(runtime: Runtime): void {
    runtime.busy = false;
    if (!runtime.alive) this.#runtimes.delete(runtime);
    this.#waiting.shift()?.();
  }
}
