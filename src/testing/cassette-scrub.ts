/**
 * Turning what went over the wire into cassette entries (docs/testing.md): paths and URLs made
 * relative to `baseUrl`, only the response headers that steer the client, and every secret in
 * every encoding the Redactor knows replaced with `***`, names and values, bodies included.
 */
import { isSecretParam, type Redactor } from '../http/redact.js';
import type { CassetteQuery, CassetteRequest, CassetteResponse } from './cassette.js';

const MASK = '***';

/** Response headers kept in a cassette beside those the manifest names. */
const KEPT_HEADERS = ['link', 'content-type', 'retry-after', 'location'];
const KEPT_PREFIXES = ['x-ratelimit-', 'ratelimit-'];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a URL under `baseUrl` is written in a cassette and in expected.ndjson: `{baseUrl}/repos/x`. */
export const BASE_URL_MARK = '{baseUrl}';

/**
 * `baseUrl` (origin and path, no trailing slash) replaced with `{baseUrl}` wherever a URL under it
 * occurs: `https://ghe.example/api/v3/repos/x` → `{baseUrl}/repos/x`. A longer port or host
 * (`:80801` after `:8080`) is left alone. The replay server writes its own URL back in.
 */
export function relativizer(baseUrl: URL | string): (text: string) => string {
  const base = String(baseUrl).replace(/\/+$/, '');
  const pattern = new RegExp(`${escapeRegExp(base)}(?![\\w.:-])`, 'g');
  return (text) => (text.includes(base) ? text.replace(pattern, BASE_URL_MARK) : text);
}

/** A string with URLs under the base relativized and secrets masked. */
export type StringScrub = (text: string) => string;

export function stringScrub(relativize: (text: string) => string, redactor: Redactor): StringScrub {
  return (text) => redactor.text(relativize(text));
}

/** Every string (object keys too) in a JSON value passed through `scrub`. */
export function scrubJson(value: unknown, scrub: StringScrub): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, scrub));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrub(k)] = scrubJson(v, scrub);
    return out;
  }
  return value;
}

/** Parsed JSON when the bytes are JSON, else the text; null when empty. */
export function decodeBody(body: string | Uint8Array | undefined, contentType = ''): unknown {
  if (body === undefined) return null;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text === '') return null;
  if (/json/i.test(contentType) || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The cassette form of a request to `url`; another origin's URL is kept absolute (scrubbed). */
export function cassetteRequest(
  method: string,
  url: URL,
  body: string | Uint8Array | undefined,
  baseUrl: URL,
  scrub: StringScrub,
): CassetteRequest {
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const under = url.origin === baseUrl.origin && `${url.pathname}/`.startsWith(`${basePath}/`);
  const rawPath = under ? url.pathname.slice(basePath.length) || '/' : `${url.origin}${url.pathname}`;
  const path = rawPath
    .split('/')
    .map((segment) => {
      const decoded = safeDecode(segment);
      const clean = scrub(decoded);
      return clean === decoded ? segment : clean;
    })
    .join('/');
  return {
    method,
    path,
    query: cassetteQuery(url.searchParams, scrub),
    body: scrubJson(decodeBody(body), scrub),
  };
}

export function cassetteQuery(params: URLSearchParams, scrub: StringScrub): CassetteQuery {
  const query: CassetteQuery = {};
  for (const [rawName, rawValue] of params) {
    const name = scrub(rawName);
    // A credential parameter is masked whatever its value (`access_token`, `api_key` …).
    const value = isSecretParam(rawName) ? MASK : scrub(rawValue);
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/** The cassette form of a response: the steering headers only, the body decoded and scrubbed. */
export function cassetteResponse(
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
  scrub: StringScrub,
  extraHeaders: readonly string[] = [],
): CassetteResponse {
  const extra = new Set(extraHeaders.map((h) => h.toLowerCase()));
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) {
    const lower = name.toLowerCase();
    if (KEPT_HEADERS.includes(lower) || extra.has(lower) || KEPT_PREFIXES.some((p) => lower.startsWith(p))) {
      kept[lower] = scrub(value);
    }
  }
  return { status, headers: kept, body: scrubJson(decodeBody(body, headers['content-type']), scrub) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
