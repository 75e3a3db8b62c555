/**
 * Structured JSON logs for the company's log-collection service, one line
 * per event, with the job id, user, operation, durations and row counts.
 * Tokens are never logged: only the principal's `sub` ever is.
 *
 * @module
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

/** What the service needs of a logger: leveled JSON lines with extra fields. */
export type Logger = Pick<PowertoolsLogger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The service's logger (Powertools: JSON lines with timestamp, level,
 * service and the fields given).
 *
 * @param level - `DEBUG`, `INFO`, `WARN` or `ERROR`
 */
export function createLogger(level: string): Logger {
  const logLevel =
    (['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const).find((l) => l === level.toUpperCase()) ?? 'INFO';
  return new PowertoolsLogger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dataframe-jobs',
    logLevel,
  });
}
