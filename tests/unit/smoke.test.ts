import * as aq from 'arquero';
import { parquetMetadata } from 'hyparquet';

test('esm packages load under jest', () => {
  expect(aq.table({ a: [1, 2] }).numRows()).toBe(2);
  expect(typeof parquetMetadata).toBe('function');
  expect(process.version.startsWith('v22')).toBe(true);
});
