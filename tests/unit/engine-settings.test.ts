import { engineSettings, parseSizeMb, runtimeHeapMb } from '../../lib/engine/settings.js';

const machine = { memoryMb: 24_576, cores: 2 };

describe('engineSettings', () => {
  test('in Lambda, gives DuckDB 60 % of the function memory, every vCPU and 8 GB of spill', () => {
    expect(engineSettings({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3538' }, machine)).toMatchObject({
      memoryLimitMb: 2122,
      threads: 2,
      maxTempDirectorySizeMb: 8192,
    });
  });

  test('locally, divides the machine among the worker pool', () => {
    expect(engineSettings({ MAX_WORKER_CONCURRENCY: '2' }, machine)).toMatchObject({
      memoryLimitMb: 7372,
      threads: 1,
    });
  });

  test('locally, gives a function no more than 60 % of its own memory, as its Lambda would', () => {
    expect(
      engineSettings({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3538', IS_OFFLINE: 'true' }, machine),
    ).toMatchObject({ memoryLimitMb: 2122, threads: 1 });
  });

  test('a paused local worker (MAX_WORKER_CONCURRENCY=0) divides the machine as for one', () => {
    expect(engineSettings({ MAX_WORKER_CONCURRENCY: '0' }, machine)).toMatchObject({
      memoryLimitMb: 14745,
      threads: 2,
    });
  });

  test('takes explicit DUCKDB_* settings over the defaults', () => {
    expect(
      engineSettings(
        {
          DUCKDB_MEMORY_LIMIT: '512MB',
          DUCKDB_THREADS: '3',
          DUCKDB_TEMP_DIRECTORY: '/tmp/x',
          DUCKDB_MAX_TEMP_DIRECTORY_SIZE: '1GB',
        },
        machine,
      ),
    ).toEqual({ memoryLimitMb: 512, threads: 3, tempDirectory: '/tmp/x', maxTempDirectorySizeMb: 1024 });
  });

  test('refuses a size or a thread count it cannot read, naming the variable', () => {
    expect(() => parseSizeMb('lots')).toThrow(/invalid size/);
    expect(() => engineSettings({ DUCKDB_THREADS: '0' }, machine)).toThrow(/DUCKDB_THREADS/);
  });
});

describe('runtimeHeapMb', () => {
  test("gives Node's heap what DuckDB and a 15 % reserve leave of the function's memory", () => {
    expect(runtimeHeapMb(3538, 2122)).toBe(885);
    expect(2122 + runtimeHeapMb(3538, 2122) + Math.ceil(3538 * 0.15)).toBeLessThanOrEqual(3538);
  });

  test('keeps 256 MB of heap when DuckDB was given (almost) everything', () => {
    expect(runtimeHeapMb(1024, 1024)).toBe(256);
  });
});
