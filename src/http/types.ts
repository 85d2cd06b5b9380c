/**
 * The shapes every HTTP policy speaks. A policy is `(next) => (req) => Promise<res>`
 * (undici's interceptor idea, in promise form) so auth, rate budget, retry and
 * logging compose without knowing about each other.
 */

/** One outgoing request. Policies copy it (`{ ...req }`) rather than mutate it. */
export interface HttpRequest {
  /** Upper-case method. */
  method: string;
  /** Absolute URL. */
  url: URL;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Already-encoded body. */
  body?: string | Uint8Array;
  /** POST/PATCH are retried only when this is true (manifest §3). */
  retry?: boolean;
  /** Cancels the request and any wait in front of it. */
  signal?: AbortSignal;
  /** 1-based attempt number, set by the retry policy. */
  attempt?: number;
  /**
   * Opaque fingerprint of the credential the auth policy attached, so the rate
   * budget is kept per (origin, credential). Never the secret itself.
   */
  credentialKey?: string;
  /** The manifest kind whose chain this page belongs to (`pages({ kind })`), for recording (docs/testing.md). */
  kind?: string;
  /** Waiting for a concurrency slot, a higher priority goes first (concurrency.ts). @default 0 */
  priority?: number;
}

/** A fully buffered response: pages are JSON documents, bounded by `maxResponseSize`. */
export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The request that produced this response (after redirects: the last hop). */
  request: HttpRequest;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse>;
export type Policy = (next: Handler) => Handler;

/**
 * Compose policies outermost first: `compose(a, b)(transport)` runs `a`, then `b`, then `transport`.
 * @example const handler = compose(retry(opts), auth(bearer(token)))(transport);
 */
export function compose(...policies: Policy[]): (terminal: Handler) => Handler {
  return (terminal) => policies.reduceRight<Handler>((next, policy) => policy(next), terminal);
}

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * What the policies report, so logging, progress displays and metrics subscribe in
 * one place instead of each policy holding a logger. URLs are raw here; whoever
 * prints them redacts them.
 */
export type HttpEvent =
  | {
      type: 'request';
      method: string;
      url: URL;
      attempt: number;
      durationMs: number;
      status?: number;
      /** Error code when no response arrived (E_NETWORK, E_TIMEOUT …). */
      error?: string;
    }
  | { type: 'retry'; method: string; url: URL; attempt: number; delayMs: number; reason: string }
  | { type: 'rate-limit-wait'; origin: string; waitMs: number; reason: string }
  | { type: 'warning'; message: string; url?: URL; kind?: string };

export type EventSink = (event: HttpEvent) => void;
