/**
 * The error answers and the token forms of docs/openapi.yaml say what the
 * service does: each error answer lists only codes the service answers with
 * that status (`STATUS_OF`, its one status map) and names each in its
 * description; every route takes the token in both header forms, the compute
 * routes in the body field too, and 401 stays documented everywhere.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OPERATIONS } from '../../lib/compute-request.js';
import type { ErrorCode } from '../../lib/errors.js';
import { STATUS_OF } from '../../lib/http/status.js';

interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<
    string,
    { schema: { allOf?: { properties?: { error: { properties: { code: { enum: ErrorCode[] } } } } }[] } }
  >;
}
interface Operation {
  security: Record<string, string[]>[];
  responses: Record<string, Response>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
}
const spec = parse(
  readFileSync(fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url)), 'utf8'),
) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }>; securitySchemes: object };
};
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
);
/** The codes an answer lists, when it lists them (a route that has not moved to listed codes allows all). */
const codesOf = (response: Response): ErrorCode[] | undefined =>
  response.content?.['application/json']?.schema.allOf?.[1]?.properties?.error.properties.code.enum;

test.each(operations.map((o) => [o.route, o.op] as const))(
  '%s: each error answer lists codes of its own status, each named in its description',
  (_route, op) => {
    for (const [status, response] of Object.entries(op.responses)) {
      const codes = codesOf(response);
      if (codes === undefined) continue;
      for (const code of codes) {
        expect({ code, status: STATUS_OF[code] }).toEqual({ code, status: Number(status) });
        expect(response.description).toContain(`\`${code}\``);
      }
    }
  },
);

test.each(OPERATIONS)(
  'POST /compute/%s lists parse_error, unknown_column and idempotency_key_reused in its 422',
  (op) => {
    const codes = codesOf(spec.paths[`/compute/${op}`]!.post!.responses['422']!);
    expect(codes).toEqual(
      expect.arrayContaining(['parse_error', 'unknown_column', 'idempotency_key_reused']),
    );
  },
);

test('the token forms: Bearer or bare in the header on every route, the body field too on the compute routes', () => {
  expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['bearer', 'token']);
  for (const { route, op } of operations) {
    const forms = route.startsWith('POST /compute/')
      ? [{ bearer: [] }, { token: [] }, {}]
      : [{ bearer: [] }, { token: [] }];
    expect({ route, security: op.security }).toEqual({ route, security: forms });
    // A request with no token at all is still refused: 401 is in the contract of every route.
    expect({ route, codes: codesOf(op.responses['401']!) }).toEqual({ route, codes: ['unauthorized'] });
    expect(op.responses['401']!.headers).toHaveProperty('WWW-Authenticate');
  }
  for (const op of OPERATIONS) {
    const ref = spec.paths[`/compute/${op}`]!.post!.requestBody!.content['application/json']!.schema.$ref;
    const name = ref.split('/').pop()!;
    expect(spec.components.schemas[name]!.properties).toHaveProperty('Authorization');
  }
});
