import { UnsupportedFormatError } from '../../lib/errors.js';
import { defaultOutputFormat, formatFromPath } from '../../lib/engine/formats.js';
import type { InputFormat } from '../../lib/types.js';

describe('formatFromPath', () => {
  test.each<[string, InputFormat]>([
    ['sales.csv', 'csv'],
    ['exports/Ventes.CSV', 'csv'],
    ['a.b/data.tsv', 'tsv'],
    ['x.json', 'json'],
    ['x.ndjson', 'ndjson'],
    ['logs/app.JSONL', 'ndjson'],
    ['x.xml', 'xml'],
    ['x.parquet', 'parquet'],
    ['x.parq', 'parquet'],
  ])('reads %s as %s', (file, format) => {
    expect(formatFromPath(file)).toBe(format);
  });

  test.each(['notes.txt', 'data.csv.gz', 'README', 'dir.csv/file', '.csv'])(
    'refuses %s, listing the supported extensions',
    (file) => {
      let caught: unknown;
      try {
        formatFromPath(file);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UnsupportedFormatError);
      expect((caught as UnsupportedFormatError).message).toContain(
        'supported: .csv, .tsv, .json, .ndjson, .jsonl, .xml, .parquet, .parq',
      );
    },
  );

  test('TSV is written as CSV by default, every other format as itself', () => {
    expect(defaultOutputFormat('tsv')).toBe('csv');
    expect(defaultOutputFormat('parquet')).toBe('parquet');
  });
});
