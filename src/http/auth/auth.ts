import { createHash } from 'node:crypto';
import type { HttpRequest } from '../types.js';

/**
 * One way of proving who we are (manifest §3.1). Shared code only calls these methods;
 * it never asks which auth type it holds.
 */
export interface Auth {
  /** Attach credentials to a request bound for the trusted origin. May be async (oauth2 fetches lazily). */
  apply(req: HttpRequest): HttpRequest | Promise<HttpRequest>;
  /**
   * Obtain fresh credentials after a 401; resolves true when something new was obtained and one
   * retry makes sense. `failed` is the rejected request as sent, so an implementation can tell that
   * another caller already replaced the credential it carried. Absent = cannot refresh.
   */
  refresh?(failed?: HttpRequest): Promise<boolean>;
  /** Current secret values, for redaction (tokens, passwords, keys, refresh tokens, client secret). */
  secrets(): Iterable<string | undefined>;
  /** Opaque, non-reversible fingerprint of the credential, for per-credential rate budgets. */
  fingerprint(): string;
}

/** First 12 hex characters of the sha256 of the parts: identifies a credential without revealing it. */
export function fingerprintOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);
}

/** A copy of `req` with one header set (names are lower-case in HttpRequest). */
export function withHeader(req: HttpRequest, name: string, value: string): HttpRequest {
  return { ...req, headers: { ...req.headers, [name.toLowerCase()]: value } };
}
