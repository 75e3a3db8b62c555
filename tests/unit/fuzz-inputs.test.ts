/**
 * Fuzzing (fixed seed in CI; `FUZZ_RUNS` for a longer run): malformed files of
 * every format, and malformed request bodies. Each must end in a typed error
 * with a stable code (or a result), never an untyped exception or a 500.
 */
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeHandlers } from '../../functions/compute.js';
import type { ComputeRequest, Operation } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { isAppError } from '../../lib/errors.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { Storage } from '../../lib/storage/storage.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import { testService, tokenFor } from './factories/service.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = 20261128;
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Plausible-looking starts of each format, so the fuzzer gets past the first byte. */
const SEEDS: Record<string, string> = {
  csv: 'a,b,"c"\n1,2,3\n',
  json: '[{"a":1,"b":{"c":[1,2]}},',
  ndjson: '{"a":1}\n{"a":',
  xml: '<?xml version="1.0"?><rows><row a="1"><b>2</b>',
  parquet: 'PAR1\u0015\u0000\u0015',
};

const fileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc
    .tuple(fc.constantFrom(...Object.values(SEEDS)), fc.string({ maxLength: 300 }))
    .map(([a, b]) => new TextEncoder().encode(a + b)),
  fc.string({ maxLength: 500 }).map((s) => new TextEncoder().encode(s)),
);

test('malformed files of every format end in a stable error code or a result, never a raw exception', async () => {
  const storage = new Storage(dir);
  await fc.assert(
    fc.asyncProperty(
      fileBytes,
      fc.constantFrom('csv', 'json', 'ndjson', 'xml', 'parquet'),
      fc.constantFrom('stats', 'group_by', 'non_null'),
      async (bytes, format, operation) => {
        const input = `in/f${++n}.${format}`;
        await writeFile(path.join(dir, 'in', path.basename(input)), bytes).catch(async () => {
          const { mkdir } = await import('node:fs/promises');
          await mkdir(path.join(dir, 'in'), { recursive: true });
          await writeFile(path.join(dir, 'in', path.basename(input)), bytes);
        });
        const request = {
          operation,
          input,
          columns: ['a'],
          output: `out/r${n}.csv`,
          output_format: 'csv',
        } as ComputeRequest;
        try {
          await runCompute(storage, request);
        } catch (err) {
          if (!isAppError(err))
            throw new Error(`raw exception for ${format}: ${String(err)}`, { cause: err });
        }
      },
    ),
    { seed: SEED, numRuns: RUNS * 3 },
  );
}, 120_000);

let deps: ServiceDeps;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ deps, cleanup } = await testService());
});
afterAll(() => cleanup());

const hostile = fc.oneof(
  fc.constantFrom(
    '../x.csv',
    '%2e%2e/x.csv',
    '/etc/passwd',
    'in/\u0000.csv',
    'C:\\x.csv',
    '.jobs/x.json',
    'in/sales.csv',
    '\u202e.csv',
    'a'.repeat(5000),
  ),
  fc.string({ maxLength: 50 }),
);
const jsonValue = fc.jsonValue({ maxDepth: 6 });

test('malformed request bodies always get a 4xx with an error code, never a 500', async () => {
  const handlers = makeHandlers(() => deps, 0);
  const token = `Bearer ${await tokenFor()}`;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        jsonValue,
        fc.record(
          {
            input: fc.oneof(hostile, jsonValue),
            columns: fc.oneof(fc.array(fc.string(), { maxLength: 2000 }), jsonValue),
          },
          { requiredKeys: [] },
        ),
        fc.record({
          input: hostile,
          columns: fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 5 }),
          options: jsonValue,
        }),
      ),
      fc.constantFrom('stats', 'group_by', 'non_null') as fc.Arbitrary<Operation>,
      async (body, operation) => {
        const event = apiEvent(`POST /compute/${operation}`, {
          headers: { authorization: token },
          body,
        });
        const res = await handlers[operation](event, lambdaContext());
        const status = res.statusCode!;
        if (status >= 500 || (status !== 202 && !JSON.parse(res.body!).error?.code)) {
          throw new Error(`${status} for ${JSON.stringify(body).slice(0, 200)}: ${res.body}`);
        }
      },
    ),
    { seed: SEED, numRuns: RUNS * 5 },
  );
}, 120_000);
