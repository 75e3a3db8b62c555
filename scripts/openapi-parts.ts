/**
 * Building blocks of docs/openapi.yaml shared by its routes: the error
 * answers, derived from the codes a route can answer and the one status map
 * of the service (`lib/http/status.ts`); the three forms of the token; the
 * headers every answer carries.
 *
 * @module
 */
import './openapi-zod.js';
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../lib/errors.js';
import { STATUS_OF } from '../lib/http/status.js';

/** The error body, any code (`{"error":{"code","message","details"?}}`). */
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.enum(ERROR_CODES),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  })
  .strict()
  .openapi('Error');

/** A JSON answer. */
export const json = (schema: z.ZodType, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});

/** The security schemes: the two header forms of the token. */
export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: '`Authorization: Bearer <jwt>`',
  },
  token: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'the JWT alone, without a scheme: `Authorization: <jwt>`',
  },
} as const;

/** Either header form of the token (a request with neither is 401). */
export const HEADER_TOKEN: Record<string, string[]>[] = [{ bearer: [] }, { token: [] }];

/**
 * The compute routes: either header form, or none in the header, the token
 * then being the body field `Authorization` (a request with none of the three
 * is 401: OpenAPI cannot tie a security requirement to a body field).
 */
export const HEADER_OR_BODY_TOKEN: Record<string, string[]>[] = [...HEADER_TOKEN, {}];

/** What the body field `Authorization` of a compute request is. */
export const BODY_TOKEN_DESCRIPTION =
  'the token, as `Bearer <jwt>` or the JWT alone, when the `Authorization` header does not carry it ' +
  '(both may, with the same token; different tokens are 401). Removed from the request before it is ' +
  'validated or stored.';

/**
 * Headers of every answer (`@middy/http-security-headers`, errors included), as components
 * that {@link withEveryAnswerHeader} references from each response.
 */
export const SECURITY_HEADERS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  'Strict-Transport-Security': {
    description: 'HSTS: `max-age=<seconds>; includeSubDomains`',
    schema: { type: 'string', pattern: '^max-age=\\d+' },
  },
  'X-Content-Type-Options': {
    description: 'no MIME sniffing',
    schema: { type: 'string', enum: ['nosniff'] },
  },
  'X-Frame-Options': { description: 'never framed', schema: { type: 'string', enum: ['DENY'] } },
  'Content-Security-Policy': {
    description: 'a policy that loads nothing and cannot be framed',
    schema: { type: 'string' },
  },
  'Referrer-Policy': { description: 'no referrer', schema: { type: 'string', enum: ['no-referrer'] } },
};

/** The codes a route answers, each with what it means there (empty: the code says it). */
export type CodeNotes = Partial<Record<ErrorCode, string>>;

/** Codes every route can answer: the token check, and an internal fault. */
export const EVERY_ROUTE: CodeNotes = {
  unauthorized: 'missing, malformed, badly signed or expired token',
  internal_error: 'no details; the failure was logged',
};

const header = (description: string) => ({
  description,
  required: true,
  schema: { type: 'string' as const },
});

/**
 * The error answers of a route: its codes grouped by the status the service
 * gives each (`STATUS_OF`), each answer's schema allowing only its own codes,
 * and its description listing them with their notes. 401 carries
 * `WWW-Authenticate`; 429, and 503 `queue_unavailable`, carry `Retry-After`.
 *
 * @param codes - the codes the route can answer (those of {@link EVERY_ROUTE} are added)
 */
export function errorResponses(codes: CodeNotes): Record<number, ResponseConfig> {
  const notes: CodeNotes = { ...codes, ...EVERY_ROUTE };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES.filter((c) => c in notes)) {
    const status = STATUS_OF[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = list.map((c) => (notes[c] ? `\`${c}\`: ${notes[c]}` : `\`${c}\``)).join('; ');
    // The error shape, with only this answer's codes.
    const schema = {
      allOf: [
        { $ref: '#/components/schemas/Error' },
        {
          type: 'object' as const,
          properties: { error: { type: 'object' as const, properties: { code: { enum: list } } } },
        },
      ],
    };
    const response: ResponseConfig = { description, content: { 'application/json': { schema } } };
    if (status === 401) {
      response.headers = {
        'WWW-Authenticate': header('`Bearer`, with `error="invalid_token"` when a token was sent'),
      };
    } else if (status === 429 || list.includes('queue_unavailable')) {
      const retry = {
        ...header('seconds to wait before retrying'),
        schema: { type: 'string' as const, pattern: '^\\d+$' },
      };
      // A 503 of another code (`storage_error`) has none.
      response.headers = { 'Retry-After': status === 429 ? retry : { ...retry, required: false } };
    }
    responses[status] = response;
  }
  return responses;
}

type Responses = Record<string, { headers?: Record<string, unknown> }>;

/** An OpenAPI document as the generator makes it, as far as {@link withEveryAnswerHeader} reads it. */
interface Document {
  paths?: object;
  components?: { headers?: object };
}

/**
 * Declares {@link SECURITY_HEADERS} on every response of every route (as
 * references to `components/headers`), whatever module registered the route.
 */
export function withEveryAnswerHeader<D extends Document>(document: D): D {
  const components = (document.components ??= {});
  components.headers = {
    ...components.headers,
    ...Object.fromEntries(
      Object.entries(SECURITY_HEADERS).map(([name, h]) => [name, { ...h, required: true }]),
    ),
  };
  for (const item of Object.values(document.paths ?? {}) as Record<string, { responses?: Responses }>[]) {
    for (const operation of Object.values(item)) {
      for (const response of Object.values(operation.responses ?? {})) {
        response.headers = {
          ...response.headers,
          ...Object.fromEntries(
            Object.keys(SECURITY_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
          ),
        };
      }
    }
  }
  return document;
}
