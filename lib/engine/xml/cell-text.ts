/**
 * DuckDB values as the text of XML output cells: exact for integers and
 * decimals, shortest round-trip for doubles, ISO 8601 for dates and times.
 *
 * @module
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD` of a day count from 1970-01-01 (proleptic Gregorian; years outside 0–9999 signed, as ISO 8601 extended). */
function civilDate(days: number): string {
  // Howard Hinnant's days_from_civil inverse.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const year =
    y >= 0 && y <= 9999
      ? String(y).padStart(4, '0')
      : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  return `${year}-${pad2(m)}-${pad2(d)}`;
}

/** ISO 8601 text of `count` units of `perSecond` since the epoch, with `digits` fraction digits. */
function isoTimestamp(count: bigint, perSecond: bigint, digits: number, zone: string): string {
  const perDay = 86_400n * perSecond;
  let days = count / perDay;
  let rest = count % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  const seconds = Number(rest / perSecond);
  const clock = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
  const fraction = digits === 0 ? '' : `.${String(rest % perSecond).padStart(digits, '0')}`;
  return `${civilDate(Number(days))}T${clock}${fraction}${zone}`;
}

/**
 * One value of a query result as output text, or null for what is written
 * as a missing element: SQL NULL, NaN and ±Infinity (doubles and dates).
 * - DOUBLE/FLOAT: JavaScript's shortest round-trip form, `-0` for negative zero;
 * - BIGINT, HUGEINT, DECIMAL (and the other integers): every digit, exact;
 * - BOOLEAN: `true` / `false`; VARCHAR as is;
 * - DATE: `YYYY-MM-DD`; TIMESTAMP: `YYYY-MM-DDTHH:MM:SS` with 6 fraction digits
 *   (3 for TIMESTAMP_MS, 9 for TIMESTAMP_NS, none for TIMESTAMP_S), ending in `Z`
 *   for TIMESTAMP WITH TIME ZONE;
 * - anything else: DuckDB's own text of the value.
 *
 * @param value - a value read from a result chunk
 * @returns its text, or null
 */
export function cellText(value: DuckDBValue): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (value === 0) return Object.is(value, -0) ? '-0' : '0';
      return Number.isFinite(value) ? String(value) : null;
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value === null) return null;
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBDateValue) return value.isFinite ? civilDate(value.days) : null;
  if (value instanceof DuckDBTimestampTZValue) {
    return value.isFinite ? isoTimestamp(value.micros, 1_000_000n, 6, 'Z') : null;
  }
  if (value instanceof DuckDBTimestampValue)
    return value.isFinite ? isoTimestamp(value.micros, 1_000_000n, 6, '') : null;
  if (value instanceof DuckDBTimestampMillisecondsValue) {
    return value.isFinite ? isoTimestamp(value.millis, 1000n, 3, '') : null;
  }
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    return value.isFinite ? isoTimestamp(value.nanos, 1_000_000_000n, 9, '') : null;
  }
  if (value instanceof DuckDBTimestampSecondsValue)
    return value.isFinite ? isoTimestamp(value.seconds, 1n, 0, '') : null;
  return String(value);
}
