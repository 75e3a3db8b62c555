/**
 * Middy middlewares of the HTTP functions. Each is a factory returning
 * `{ before, after, onError }` hooks; `withHttp` puts them in order.
 *
 * @module
 */
import type { MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import jsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { extractToken, type Principal } from '../auth/token.js';
import type { TokenVerifier } from '../auth/verifier.js';
import { AppError, InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { errorResponse } from './status.js';

/** An HTTP API event once the middlewares ran: body parsed, caller known. */
export interface ApiEvent extends Omit<APIGatewayProxyEventV2, 'body'> {
  /** The parsed JSON body (without its `Authorization` field), or undefined. */
  body: unknown;
  /** The authenticated caller. */
  principal: Principal;
}

/** A Middy middleware of the HTTP functions. */
export type Middleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/** Largest body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Refuses bodies over `limit` bytes with 413, before anything parses them.
 */
export function bodyLimit(limit = MAX_BODY_BYTES): Middleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event as { body: unknown; isBase64Encoded: boolean };
      // Only text can be large: serverless-offline hands a JSON scalar body (`false`, `0`) over parsed.
      if (typeof body !== 'string') return;
      const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
      if (bytes > limit) throw new PayloadTooLargeError(limit);
    },
  };
}

/** True when a `Content-Type` names JSON: `application/json` or an `application/…+json` type, any parameters. */
export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/** The message of a body that is JSON but not an object (a string, a number, `null`, an array…). */
const NOT_AN_OBJECT = 'the body must be a JSON object';

/**
 * Parses a JSON body with Middy's official parser, when there is a body:
 * GET and DELETE requests usually have none. A body sent as another media
 * type is a 415 `unsupported_media_type` (a body without `Content-Type` is
 * read as JSON); malformed JSON, or a body that is not a JSON object, is a
 * 400 `invalid_request`.
 */
export function jsonBody(): Middleware {
  const parser = jsonBodyParser({ disableContentTypeCheck: true });
  return {
    before: async (request) => {
      const raw: unknown = request.event.body;
      if (raw === undefined || raw === null || raw === '') return;
      const type = request.event.headers?.['content-type'];
      if (type !== undefined && !isJsonMediaType(type)) {
        throw new UnsupportedMediaTypeError(type.split(';')[0]!.trim());
      }
      // serverless-offline parses a JSON body itself and hands `false` and numbers over as values;
      // AWS always passes text. A value is what the parser would have made of the text.
      if (typeof raw === 'string') {
        try {
          await parser.before?.(request);
        } catch {
          // serverless-offline also strips a JSON string body of its quotes (`"x"` arrives as `x`):
          // text that does not open an object cannot be one, whichever way it arrived.
          throw new InvalidRequestError(
            raw.trimStart().startsWith('{') ? 'the body is not valid JSON' : NOT_AN_OBJECT,
          );
        }
      }
      const parsed: unknown = request.event.body;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InvalidRequestError(NOT_AN_OBJECT);
      }
    },
  };
}

/**
 * Verifies the caller's JWT (header or body field `Authorization`), sets
 * `event.principal`, and removes the body field so the token never reaches
 * validation, storage or logs.
 *
 * @param verifier - returns the token verifier (built once per cold start)
 */
export function authenticate(verifier: () => TokenVerifier): Middleware {
  return {
    before: async (request) => {
      const event = request.event as unknown as ApiEvent;
      const headers = event.headers ?? {};
      let bodyField: unknown;
      if (typeof event.body === 'object' && event.body !== null && 'Authorization' in event.body) {
        const { Authorization, ...rest } = event.body as Record<string, unknown>;
        bodyField = Authorization;
        event.body = rest;
      }
      const token = extractToken(headers.authorization, bodyField);
      event.principal = await verifier().verify(token);
    },
  };
}

/**
 * The error as `@middy/http-error-handler` renders it: an exposed HTTP
 * error whose message is the JSON error body.
 */
export class RenderedError extends Error {
  /** Always true: the message is the sanitised body, safe to send. */
  readonly expose = true;

  /**
   * @param statusCode - the HTTP status
   * @param message - the serialised `{"error":{...}}` body
   * @param headers - extra response headers (`WWW-Authenticate`, `Retry-After`, `Cache-Control`)
   */
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(message);
    this.name = 'RenderedError';
  }
}

/**
 * Maps any error to its JSON error response, then lets Middy's official
 * `@middy/http-error-handler` write it. Registered last, so its `onError`
 * runs first. Internal faults are logged with their stack; the client gets a
 * generic message. The response never carries a stack, a host path or a token.
 */
export function errorHandler(logger: () => Pick<Logger, 'error'>): Middleware {
  const render = httpErrorHandler({ logger: false });
  return {
    onError: async (request) => {
      const err = request.error;
      if (request.response !== undefined || err instanceof RenderedError) return;
      if (!(err instanceof AppError)) {
        logger().error('unhandled error in an HTTP function', {
          error:
            err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
          route: request.event.routeKey,
        });
      }
      const { statusCode, body, headers } = errorResponse(err);
      const { 'content-type': _type, ...extra } = (headers ?? {}) as Record<string, string>;
      request.error = new RenderedError(statusCode ?? 500, String(body), extra);
      await render.onError?.(request as Parameters<NonNullable<typeof render.onError>>[0]);
    },
  };
}

/**
 * One JSON line per request for the log-collection service: route, status,
 * duration and the caller's `sub`, never a header, body or token. Registered
 * first, so its hooks run after every other middleware's.
 */
export function accessLog(logger: () => Pick<Logger, 'info'>): Middleware {
  const started = new WeakMap<object, number>();
  const log = (request: Parameters<NonNullable<Middleware['after']>>[0]): void => {
    const event = request.event as unknown as Partial<ApiEvent>;
    const begin = started.get(request);
    logger().info('request', {
      route: request.event.routeKey,
      status: request.response?.statusCode,
      duration_ms: begin === undefined ? undefined : Math.round(performance.now() - begin),
      user: event.principal?.sub,
      request_id: request.event.requestContext?.requestId,
    });
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: log,
    onError: log,
  };
}
