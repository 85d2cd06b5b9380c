/**
 * Matching a request against recorded interactions (docs/testing.md): method, path, query and body
 * must agree; `***` in a recorded string (a scrubbed secret) matches anything there. An unmatched
 * request is reported with the closest recorded one, by similarity of `METHOD path?query`.
 */
import type { CassetteQuery, CassetteRequest } from './cassette.js';

const MASK = '***';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function stringMatches(recorded: string, actual: string): boolean {
  if (!recorded.includes(MASK)) return recorded === actual;
  const pattern = recorded.split(MASK).map(escapeRegExp).join('.*');
  return new RegExp(`^${pattern}$`, 's').test(actual);
}

/** Deep equality where a recorded string may hold `***` wildcards. */
export function valueMatches(recorded: unknown, actual: unknown): boolean {
  if (typeof recorded === 'string') return typeof actual === 'string' && stringMatches(recorded, actual);
  if (Array.isArray(recorded)) {
    return (
      Array.isArray(actual) &&
      recorded.length === actual.length &&
      recorded.every((v, i) => valueMatches(v, actual[i]))
    );
  }
  if (recorded !== null && typeof recorded === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(recorded);
    if (keys.length !== Object.keys(actual).length) return false;
    return keys.every(
      (k) =>
        k in actual &&
        valueMatches((recorded as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]),
    );
  }
  return recorded === actual;
}

/** Whether `actual` is the request `recorded` describes. */
export function requestMatches(recorded: CassetteRequest, actual: CassetteRequest): boolean {
  return (
    recorded.method === actual.method &&
    stringMatches(recorded.path, actual.path) &&
    valueMatches(recorded.query, actual.query) &&
    valueMatches(recorded.body ?? null, actual.body ?? null)
  );
}

/** `GET /orgs/acme/repos?page=2&per_page=100`, and ` body {…}` when there is one. */
export function describeRequest(req: CassetteRequest): string {
  const query = queryText(req.query);
  const body =
    req.body === null || req.body === undefined ? '' : ` body ${JSON.stringify(req.body).slice(0, 200)}`;
  return `${req.method} ${req.path}${query ? `?${query}` : ''}${body}`;
}

function queryText(query: CassetteQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query).sort(([a], [b]) => a.localeCompare(b))) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params.toString().replaceAll('%2A%2A%2A', MASK);
}

/** The recorded request most like `actual`: same method first, then the smallest edit distance. */
export function closestRequest<T extends { request: CassetteRequest }>(
  recorded: readonly T[],
  actual: CassetteRequest,
): T | undefined {
  const target = describeRequest(actual);
  let best: T | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of recorded) {
    const penalty = candidate.request.method === actual.method ? 0 : 1000;
    const score = penalty + editDistance(describeRequest(candidate.request), target);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance, two rows; request lines are short. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
