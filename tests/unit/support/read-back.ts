import { openSource } from '../../../lib/readers/index.js';
import type { InputFormat, Scalar } from '../../../lib/types.js';

/** Reads a whole (small) file with the engine's own reader, as row objects of raw cells. */
export async function readBack(file: string, format: InputFormat): Promise<Record<string, Scalar>[]> {
  const rows: Record<string, Scalar>[] = [];
  for await (const batch of openSource(file, format, {}).batches()) {
    rows.push(...(batch.table.objects() as Record<string, Scalar>[]));
  }
  return rows;
}
