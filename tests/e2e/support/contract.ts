/**
 * The API contract (docs/openapi.yaml) as a validator: every response the
 * end-to-end tests receive must be described by it — its status for that
 * route and method, and its JSON body's schema.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

const spec = parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../docs/openapi.yaml'), 'utf8'),
) as Spec;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(spec as unknown as object, 'spec');

const templates = Object.keys(spec.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));
const pointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks a response against the contract.
 *
 * @param contentType - the response's `Content-Type`: a media type other than JSON (a result file) must be
 *   one the contract lists for that answer; its body is not checked
 * @returns a list of problems, empty when the contract describes the response
 */
export function contractProblems(
  method: string,
  route: string,
  status: number,
  body: unknown,
  contentType = 'application/json',
): string[] {
  // Parsed as fetch sends it: WHATWG URLs resolve `%2e%2e` segments before the request leaves.
  const pathname = new URL(route, 'http://x').pathname;
  const match = templates.find((t) => t.pattern.test(pathname));
  if (!match) {
    // Unrouted paths never reach the service: the HTTP API answers 404 itself (AWS with
    // {"message":"Not Found"}, serverless-offline with its own body), as the contract says.
    return status === 404 ? [] : [`no path of the contract matches ${pathname}`];
  }
  const operation = spec.paths[match.template]![method.toLowerCase()];
  if (!operation) return [`the contract has no ${method} ${match.template}`];
  const response = operation.responses[String(status)];
  if (!response) return [`the contract does not describe ${status} for ${method} ${match.template}`];
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (body === undefined && mediaType !== 'application/json' && mediaType !== '') {
    const listed = Object.keys(response.content ?? {});
    return listed.includes(mediaType) ? [] : [`undocumented media type ${mediaType}`];
  }
  if (!response.content?.['application/json']) return body === undefined ? [] : ['undocumented JSON body'];
  const ref = `spec#/paths/${pointer(match.template)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(ref);
  if (!validate) return [`cannot compile ${ref}`];
  return validate(body)
    ? []
    : (validate.errors ?? []).map(
        (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message ?? ''}`,
      );
}
