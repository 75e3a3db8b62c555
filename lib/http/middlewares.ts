/**
 * Middy middlewares of the HTTP functions. Each is a factory returning
 * `{ before, after, onError }` hooks; `withHttp` puts them in order.
 *
 * @module
 */
import type { MiddlewareObj } from '@middy/core';
import jsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { extractToken, verifyToken, type Principal } from '../auth/token.js';
import { AppError, InvalidRequestError, PayloadTooLargeError } from '../errors.js';
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
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === null) return;
      const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
      if (bytes > limit) throw new PayloadTooLargeError(limit);
    },
  };
}

/**
 * Parses a JSON body with Middy's official parser, when there is a body:
 * GET and DELETE requests usually have none. Malformed JSON, or a body that
 * is not a JSON object, is a 400 `invalid_request`.
 */
export function jsonBody(): Middleware {
  const parser = jsonBodyParser({ disableContentTypeCheck: true });
  return {
    before: async (request) => {
      const body = request.event.body;
      if (body === undefined || body === null || body === '') return;
      try {
        await parser.before?.(request);
      } catch {
        throw new InvalidRequestError('the body is not valid JSON');
      }
      const parsed: unknown = request.event.body;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InvalidRequestError('the body must be a JSON object');
      }
    },
  };
}

/**
 * Verifies the caller's JWT (header or body field `Authorization`), sets
 * `event.principal`, and removes the body field so the token never reaches
 * validation, storage or logs.
 *
 * @param secret - returns the HS256 secret (read once per cold start)
 */
export function authenticate(secret: () => Promise<string>): Middleware {
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
      event.principal = await verifyToken(token, await secret());
    },
  };
}

/**
 * Turns any error into the JSON error response (the last middleware, so its
 * `onError` runs first). Internal faults are logged with their stack; the
 * client gets a generic message.
 */
export function errorHandler(logger: () => Pick<Logger, 'error'>): Middleware {
  return {
    onError: (request) => {
      const err = request.error;
      if (!(err instanceof AppError)) {
        logger().error('unhandled error in an HTTP function', {
          error:
            err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
          route: request.event.routeKey,
        });
      }
      request.response = errorResponse(err);
    },
  };
}
