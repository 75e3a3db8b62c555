import * as aq from 'arquero';
import type { Batch, ColumnType, Scalar, TableSource } from '../../../lib/types.js';

/** Options of {@link memorySource}. */
export interface MemorySourceOptions {
  /** Announce a header (as CSV and Parquet do); default true. */
  header?: boolean;
  /** Announce column types (as Parquet does). */
  types?: Record<string, ColumnType>;
}

/**
 * A TableSource over in-memory batches, each given as a record of columns,
 * for testing operations without files.
 */
export function memorySource(
  batches: Record<string, Scalar[]>[],
  options: MemorySourceOptions = {},
): TableSource {
  const names = [...new Set(batches.flatMap((b) => Object.keys(b)))];
  return {
    header: async () => (options.header === false ? undefined : names),
    knownTypes: async () => (options.types ? new Map(Object.entries(options.types)) : undefined),
    async *batches(): AsyncGenerator<Batch> {
      let firstRow = 1;
      for (const data of batches) {
        const table = aq.table(data);
        yield { table, firstRow };
        firstRow += table.numRows();
      }
    },
  };
}
