/**
 * Writes tests/fixtures/e2e/sales.{csv,tsv,json,ndjson,xml,parquet} from
 * {@link SALES_ROWS}. The Parquet file is written by DuckDB, an independent
 * writer. The outputs are checked in; run again only when the table changes:
 *
 *   npx tsx tests/e2e/support/generate-fixtures.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { SALES_COLUMNS, SALES_ROWS, type Cell } from './sales.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../fixtures/e2e');

function delimited(sep: string): string {
  const cell = (v: Cell): string => (v === null ? '' : String(v));
  const lines = [
    SALES_COLUMNS.join(sep),
    ...SALES_ROWS.map((r) => SALES_COLUMNS.map((c) => cell(r[c] ?? null)).join(sep)),
  ];
  return lines.join('\n') + '\n';
}

function xml(): string {
  // A null is a missing element.
  const rows = SALES_ROWS.map((r) => {
    const fields = SALES_COLUMNS.filter((c) => r[c] !== null)
      .map((c) => `<${c}>${String(r[c])}</${c}>`)
      .join('');
    return `  <sale>${fields}</sale>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sales>\n${rows.join('\n')}\n</sales>\n`;
}

async function parquet(csvPath: string, target: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const quote = (p: string): string => `'${p.replaceAll("'", "''")}'`;
  await db.run(
    `COPY (SELECT region, product, CAST(amount AS DOUBLE) AS amount, CAST(qty AS BIGINT) AS qty
           FROM read_csv(${quote(csvPath)}, header = true))
     TO ${quote(target)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  db.closeSync();
  instance.closeSync();
}

await mkdir(outDir, { recursive: true });
const csvPath = path.join(outDir, 'sales.csv');
await writeFile(csvPath, delimited(','));
await writeFile(path.join(outDir, 'sales.tsv'), delimited('\t'));
await writeFile(path.join(outDir, 'sales.json'), JSON.stringify(SALES_ROWS, null, 2) + '\n');
await writeFile(
  path.join(outDir, 'sales.ndjson'),
  SALES_ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n',
);
await writeFile(path.join(outDir, 'sales.xml'), xml());
await parquet(csvPath, path.join(outDir, 'sales.parquet'));
process.stdout.write(`fixtures written to ${path.relative(process.cwd(), outDir)}\n`);
