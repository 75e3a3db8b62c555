/**
 * The fingerprint of a submission, kept with its idempotency key so that
 * the same key sent with another request is recognised (IETF
 * idempotency-key draft: 422).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Operation } from '../compute-request.js';

/** JSON with every object's keys sorted, at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * SHA-256 (hex) of the operation and the canonical body as the client sent it (its `Authorization` field
 * already removed): key order and spacing do not count, any other difference does.
 */
export function requestFingerprint(operation: Operation, body: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(body)}`)
    .digest('hex');
}
