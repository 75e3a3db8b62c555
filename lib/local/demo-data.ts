/**
 * The demo's data set: twelve sales rows, written as `demo/sales.<format>` in
 * every output format. `npm run demo` runs the operations on these files, the
 * contract's request examples name them, and the Prism contract test writes
 * them on its own storage to run those examples.
 *
 * @module
 */
import { runCompute } from '../engine/index.js';
import type { Storage } from '../storage/storage.js';
import type { OutputFormat } from '../types.js';

/** The formats the data set is written in (`demo/sales.<format>`). */
export const DEMO_FORMATS: readonly OutputFormat[] = ['csv', 'json', 'ndjson', 'xml', 'parquet'];

/** The data set, as CSV: the other formats are made from it by the engine itself. */
export const SALES_CSV = `region,city,product,quantity,unit_price,paid
Nord,Lille,café,12,4.5,true
Nord,Lille,thé,5,3.2,true
Sud,Marseille,café,20,4.5,false
Sud,Nice,chocolat,,6.9,true
Est,Strasbourg,thé,7,3.2,
Est,Metz,café,14,4.7,true
Ouest,Nantes,chocolat,9,6.5,false
Nord,Amiens,café,3,4.5,true
Sud,Toulon,thé,11,3.1,true
,Paris,café,8,5,false
Ouest,Brest,café,,4.6,true
Est,Nancy,chocolat,6,7.1,true
`;

/**
 * Writes `demo/sales.csv` and its copies in the other formats, leaving the files that already exist.
 *
 * @param storage - the storage (of the demo's user, when `STORAGE_SCOPE=user`)
 * @throws the engine's and the storage's errors (`StorageError` when a file cannot be written)
 */
export async function putDemoDataSet(storage: Storage): Promise<void> {
  if (!(await storage.exists('demo/sales.csv'))) {
    await storage.writeAtomic('demo/sales.csv', async (sink) => sink.write(SALES_CSV));
  }
  for (const format of DEMO_FORMATS) {
    const rel = `demo/sales.${format}`;
    if (await storage.exists(rel)) continue;
    // Every row has a city: non_null on it copies the whole table into the other format.
    await runCompute(storage, {
      operation: 'non_null',
      input: 'demo/sales.csv',
      columns: ['city'],
      output: rel,
      output_format: format,
    });
  }
}
