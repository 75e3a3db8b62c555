/**
 * Structured JSON logs for the company's log-collection service, one line
 * per event, with the job id, user, operation, durations and row counts.
 * Tokens are never logged: only the principal's `sub` ever is.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/**
 * The service's logger (Powertools: JSON lines with timestamp, level,
 * service and the fields given).
 *
 * @param level - `DEBUG`, `INFO`, `WARN` or `ERROR`
 */
export function createLogger(level: string): Logger {
  const logLevel =
    (['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const).find((l) => l === level.toUpperCase()) ?? 'INFO';
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dataframe-jobs', logLevel });
}
