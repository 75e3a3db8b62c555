/**
 * Structured log lines of the local stack's own machinery (event source,
 * process supervision), in the same JSON-lines shape as the functions' logs.
 *
 * @module
 */

/** Severity of a line. */
export type LocalLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes one log line. Fields must never hold tokens or secrets. */
export type LocalLogger = (level: LocalLogLevel, message: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LocalLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing JSON lines (`{"level","message","service","timestamp",...}`)
 * to `out`, dropping lines below `minLevel`.
 *
 * @param minLevel - e.g. from `LOG_LEVEL` (case-insensitive); unknown values mean `info`
 * @param out - where to write, stdout by default
 * @example
 * ```ts
 * const log = jsonLogger(process.env.LOG_LEVEL);
 * log('info', 'event source started', { concurrency: 2 });
 * ```
 */
export function jsonLogger(
  minLevel: string | undefined,
  out: (line: string) => void = (line) => process.stdout.write(line),
): LocalLogger {
  const wanted = (minLevel ?? 'info').toLowerCase();
  const min = wanted in RANK ? RANK[wanted as LocalLogLevel] : RANK.info;
  return (level, message, fields) => {
    if (RANK[level] < min) return;
    out(
      JSON.stringify({
        level: level.toUpperCase(),
        message,
        service: 'local-stack',
        timestamp: new Date().toISOString(),
        ...fields,
      }) + '\n',
    );
  };
}
