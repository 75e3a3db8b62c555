/**
 * Every example of docs/openapi.yaml is valid: against the schema beside it
 * in the document (with Ajv, as Prism validates), and, for a request body,
 * against the zod schema its route's function validates with. The request
 * examples name the files `npm run demo` writes, and between them write every
 * output format; the Prism contract test (tests/e2e) runs each of them.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OPERATIONS, PARAMS_SCHEMAS, type Operation } from '../../lib/compute-request.js';
import { defaultOutputFormat } from '../../lib/engine/formats.js';
import { knownFormatOf } from '../../lib/input-format.js';
import { DEMO_FORMATS } from '../../lib/local/demo-data.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../lib/types.js';

const spec = parse(
  readFileSync(fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url)), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(spec, 'spec');

/** An example found in the document, with the JSON pointer of the schema it must satisfy. */
interface Example {
  readonly where: string;
  readonly schema: string;
  readonly value: unknown;
}

const pointer = (path: readonly string[]): string =>
  path.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Every example of the document: `example` and `examples` beside a `schema` (parameters, media types)
 * belong to that schema; inside a schema, to the schema itself.
 */
function examplesOf(node: unknown, path: string[] = []): Example[] {
  if (typeof node !== 'object' || node === null) return [];
  const found: Example[] = [];
  const here = node as Record<string, unknown>;
  const schema = pointer('schema' in here ? [...path, 'schema'] : path);
  if ('example' in here) found.push({ where: pointer(path), schema, value: here.example });
  if (Array.isArray(here.examples)) {
    for (const value of here.examples as unknown[]) found.push({ where: pointer(path), schema, value });
  } else if ('schema' in here && typeof here.examples === 'object' && here.examples !== null) {
    for (const [name, e] of Object.entries(here.examples as Record<string, { value: unknown }>)) {
      found.push({ where: `${pointer(path)}/examples/${name}`, schema, value: e.value });
    }
  }
  for (const [key, child] of Object.entries(here)) {
    if (key !== 'example' && key !== 'examples') found.push(...examplesOf(child, [...path, key]));
  }
  return found;
}

const EXAMPLES = examplesOf(spec);
/** The request body examples of each compute route. */
const requestExamples = (op: Operation): Example[] =>
  EXAMPLES.filter((e) => e.where.startsWith(`paths/~1compute~1${op}/post/requestBody/`));

test('the document has examples: a job id, and at least two request bodies per operation', () => {
  expect(EXAMPLES.some((e) => e.where.includes('parameters'))).toBe(true);
  for (const op of OPERATIONS) expect(requestExamples(op).length).toBeGreaterThanOrEqual(2);
});

test.each(EXAMPLES.map((e) => [e.where, e] as const))(
  'the example at %s is valid against its schema in the document',
  (_where, example) => {
    const validate = ajv.getSchema(`spec#/${example.schema}`);
    expect(validate).toBeDefined();
    expect(validate!(example.value) ? [] : validate!.errors).toEqual([]);
  },
);

test.each(OPERATIONS)(
  'every example body of /compute/%s is valid for the schema its function validates with',
  (op) => {
    for (const { value } of requestExamples(op)) {
      expect(PARAMS_SCHEMAS[op].safeParse(value).error?.issues).toBeUndefined();
    }
  },
);

test('the example bodies read the files npm run demo writes, and write every output format', () => {
  const written = new Set<OutputFormat>();
  for (const op of OPERATIONS) {
    for (const { value } of requestExamples(op)) {
      const { input, output_format } = value as { input: string; output_format?: OutputFormat };
      expect(DEMO_FORMATS.map((f) => `demo/sales.${f}`)).toContain(input);
      written.add(output_format ?? defaultOutputFormat(knownFormatOf(input)!));
    }
  }
  expect([...written].sort()).toEqual([...OUTPUT_FORMATS].sort());
});
