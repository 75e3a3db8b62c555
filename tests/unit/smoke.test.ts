import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';

test('the native engines load under jest, on the project’s Node 22', async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  expect((await connection.runAndReadAll('SELECT 42')).getRowsJS()).toEqual([[42]]);
  connection.closeSync();
  expect(pl.DataFrame({ a: [1, 2] }).height).toBe(2);
  expect(process.version.startsWith('v22')).toBe(true);
});
