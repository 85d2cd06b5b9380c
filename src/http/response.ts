import {
  AuthenticationError,
  ClientError,
  type ErrorContext,
  type InletError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ResponseError,
  ServerError,
} from '../errors/errors.js';
import { readRateLimitSignal } from './rate-limit-signal.js';
import type { Redactor } from './redact.js';
import type { HttpResponse } from './types.js';

const EXCERPT_BYTES = 1024;
const REQUEST_ID_HEADERS = [
  'x-github-request-id',
  'x-request-id',
  'x-arequestid',
  'request-id',
  'x-amzn-requestid',
];
const REJECTED_TOKEN = /invalid token|credentials were not provided|bad credentials/i;

/** Context every error about a response carries: method, redacted URL, status, request id, 1 KiB of body. */
function responseContext(res: HttpResponse, redactor: Redactor): ErrorContext {
  const requestId = REQUEST_ID_HEADERS.map((h) => res.headers[h]).find(Boolean);
  return {
    method: res.request.method,
    url: redactor.url(res.request.url),
    status: res.status,
    requestId,
    // Redacted before the cut, so a secret straddling 1 KiB is not left half visible (issue 8).
    body: redactor.excerpt(res.body, EXCERPT_BYTES),
  };
}

/**
 * The typed error for a non-2xx response, or undefined for success (manifest §8).
 * A 403 that is a rate-limit signal is a RateLimitError, not a PermissionError.
 */
export function errorForResponse(res: HttpResponse, redactor: Redactor, now: number): InletError | undefined {
  const { status } = res;
  if (status < 400) return undefined;
  const context = responseContext(res, redactor);
  const detail = providerMessage(context.body);
  const what = `${status}${detail ? ` ${detail}` : ''} (${context.method} ${context.url})`;
  const signal = readRateLimitSignal(res, now);
  if (signal) return new RateLimitError(`rate limited: ${what}`, { ...context, waitMs: signal.waitMs });
  // Django REST Framework APIs such as RapidPro answer a bad token with 403 {"detail": "Invalid token"}
  // when the auth scheme sends no WWW-Authenticate header (DRF docs, "Unauthorized and Forbidden responses").
  if (status === 401 || (status === 403 && REJECTED_TOKEN.test(detail))) {
    return new AuthenticationError(`credentials rejected: ${what}`, context);
  }
  if (status === 403) return new PermissionError(`forbidden: ${what}`, context);
  if (status === 404 || status === 410) return new NotFoundError(`not found: ${what}`, context);
  if (status < 500) return new ClientError(`request rejected: ${what}`, context);
  return new ServerError(`server error: ${what}`, context);
}

/** Decode a JSON body; an empty body is `null`. Invalid JSON is a ResponseError naming status, type and first bytes. */
export function decodeJson(res: HttpResponse, redactor: Redactor): unknown {
  if (res.body.length === 0) return null;
  // Buffer's UTF-8 decoder is several times faster than TextDecoder on small bodies (bench/http-overhead).
  const body = res.body;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    // JSON.parse refuses a UTF-8 byte order mark, which RFC 8259 §8.1 lets parsers ignore.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    const context = responseContext(res, redactor);
    const type = res.headers['content-type'] ?? 'no content-type';
    const first = JSON.stringify(redactor.excerpt(res.body, 80));
    throw new ResponseError(
      `invalid JSON in ${res.status} response (${type}), starting ${first} (${context.method} ${context.url})`,
      { ...context, cause },
    );
  }
}

/** The API's own message (`message`, `errorMessages`, `detail`, `error_description`) when the body is JSON. */
function providerMessage(body: string | undefined): string {
  if (!body) return '';
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const candidates = [json.message, json.detail, json.error_description, json.error, json.ErrorMessage];
    const errorMessages = json.errorMessages;
    if (Array.isArray(errorMessages) && errorMessages.length) candidates.unshift(errorMessages.join('; '));
    const found = candidates.find((c) => typeof c === 'string' && c.length > 0) as string | undefined;
    return found ? `"${found.slice(0, 200)}"` : '';
  } catch {
    return '';
  }
}
