import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { ConfigError } from '../errors/errors.js';
import { type Clock, systemClock } from '../http/clock.js';
import { seededRandom } from './prng.js';

export type FaultKind =
  | '429'
  | '403-primary'
  | '403-secondary'
  | '500'
  | '502'
  | '503'
  | 'reset'
  | 'slow'
  | 'invalid-json';

const ALL_KINDS: readonly FaultKind[] = [
  '429',
  '403-primary',
  '403-secondary',
  '500',
  '502',
  '503',
  'reset',
  'slow',
  'invalid-json',
];

/** Faults a client with retries is expected to ride out. */
const DEFAULT_KINDS: readonly FaultKind[] = ['429', '500', '502', '503', 'reset'];

export interface FaultSpec {
  /** Probability in [0, 1] that a request is faulted. */
  rate: number;
  /** @default 1 */
  seed?: number;
  /** Kinds drawn uniformly. @default ['429', '500', '502', '503', 'reset'] */
  kinds?: FaultKind[];
  /** Retry-After / reset distance of the rate-limit faults, in whole seconds. @default 1 */
  retryAfterSeconds?: number;
  /** Real-time delay of the 'slow' fault. @default 100 */
  slowMs?: number;
  /** Only requests whose path matches are faulted. */
  only?: RegExp;
  /**
   * A probability per kind (`429:0.1,502:0.05`); when given it replaces `rate` (their sum) and `kinds`.
   */
  rates?: Partial<Record<FaultKind, number>>;
  /** A real-time delay before every response, drawn uniformly in [minMs, maxMs] (`latency:20ms-200ms`). */
  latency?: { minMs: number; maxMs: number };
}

/** Which rate-limit fault to answer, when, and how long the block lasts. */
export interface RateLimitFault {
  kind: '429' | '403-primary' | '403-secondary';
  /** Server time, ms. */
  now: number;
  retryAfterSeconds: number;
}

/**
 * How an API says "rate limited": each simulator answers in its own shape (GitHub 403/429 with
 * x-ratelimit-*, Jira 429 with Retry-After and X-RateLimit-Reset …); a replay takes it from the integration.
 */
export type RateLimitAnswer = (c: Context, fault: RateLimitFault) => Response;

/**
 * The answer of an API we know nothing about: 429 with Retry-After (RFC 6585 §4, RFC 9110 §10.2.3),
 * and for the 403 kinds a 403 with `x-ratelimit-remaining: 0` and its reset (epoch seconds), or Retry-After.
 */
export const genericRateLimitAnswer: RateLimitAnswer = (c, { kind, now, retryAfterSeconds }) => {
  if (kind === '403-primary') {
    c.header('x-ratelimit-remaining', '0');
    c.header('x-ratelimit-reset', String(Math.ceil((now + retryAfterSeconds * 1000) / 1000)));
    return c.json({ message: 'rate limit exceeded' }, 403);
  }
  c.header('retry-after', String(retryAfterSeconds));
  if (kind === '403-secondary') return c.json({ message: 'secondary rate limit exceeded' }, 403);
  return c.json({ message: 'Too Many Requests' }, 429);
};

const SPEC_KEYS = new Set(['rate', 'seed', 'kinds', 'retry-after', 'slow-ms', 'only']);

/**
 * Parse the `--faults` text form (docs/testing.md): a comma list of `kind:probability` with `seed:N`,
 * `latency:20ms-200ms` and `retry-after:S`; or the older `key=value` pairs (rate, seed, kinds joined
 * with `+`, retry-after, slow-ms, only).
 * @example parseFaultSpec('429:0.1,502:0.05,reset:0.05,seed:1')
 * @example parseFaultSpec('rate=0.2,seed=7,kinds=429+403-primary+502,retry-after=2')
 */
export function parseFaultSpec(text: string): FaultSpec {
  if (text.includes(':') && !text.includes('=')) return parseColonSpec(text);
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(`fault spec: expected key=value, got "${trimmed}"`);
    const key = trimmed.slice(0, eq).trim();
    if (!SPEC_KEYS.has(key)) {
      throw new ConfigError(
        `fault spec: unknown key "${key}" (expected one of ${[...SPEC_KEYS].join(', ')})`,
      );
    }
    if (fields.has(key)) throw new ConfigError(`fault spec: "${key}" given twice`);
    fields.set(key, trimmed.slice(eq + 1).trim());
  }
  const rateText = fields.get('rate');
  if (rateText === undefined) throw new ConfigError('fault spec: "rate" is required, e.g. "rate=0.2"');
  const spec: FaultSpec = { rate: rate(rateText) };
  const seed = fields.get('seed');
  if (seed !== undefined) spec.seed = integer('seed', seed);
  const kinds = fields.get('kinds');
  if (kinds !== undefined) spec.kinds = kinds.split('+').map((kind) => faultKind(kind.trim()));
  const retryAfter = fields.get('retry-after');
  if (retryAfter !== undefined) spec.retryAfterSeconds = integer('retry-after', retryAfter);
  const slowMs = fields.get('slow-ms');
  if (slowMs !== undefined) spec.slowMs = integer('slow-ms', slowMs);
  const only = fields.get('only');
  if (only !== undefined) {
    try {
      spec.only = new RegExp(only);
    } catch (cause) {
      throw new ConfigError(`fault spec: "only" is not a valid regular expression: ${only}`, { cause });
    }
  }
  return spec;
}

function parseColonSpec(text: string): FaultSpec {
  const rates: Partial<Record<FaultKind, number>> = {};
  const spec: FaultSpec = { rate: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw new ConfigError(`fault spec: expected kind:value, got "${trimmed}"`);
    const key = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    if (seen.has(key)) throw new ConfigError(`fault spec: "${key}" given twice`);
    seen.add(key);
    if (key === 'seed') spec.seed = integer('seed', value);
    else if (key === 'retry-after') spec.retryAfterSeconds = integer('retry-after', value);
    else if (key === 'latency') spec.latency = latency(value);
    else if (ALL_KINDS.includes(key as FaultKind)) {
      const probability = rate(value);
      rates[faultKind(key)] = probability;
      spec.rate += probability;
    } else {
      throw new ConfigError(
        `fault spec: unknown key "${key}" (expected a fault kind ${ALL_KINDS.join(', ')}, or seed, latency, retry-after)`,
      );
    }
  }
  if (spec.rate > 1 + 1e-9) {
    throw new ConfigError(`fault spec: the probabilities add up to ${spec.rate}, more than 1`);
  }
  if (Object.keys(rates).length > 0) spec.rates = rates;
  return spec;
}

function latency(text: string): { minMs: number; maxMs: number } {
  const match = /^(\d+)ms(?:-(\d+)ms)?$/.exec(text);
  if (!match) throw new ConfigError(`fault spec: "latency" must look like 20ms-200ms, got "${text}"`);
  const minMs = Number(match[1]);
  const maxMs = Number(match[2] ?? match[1]);
  if (maxMs < minMs) throw new ConfigError(`fault spec: "latency" ${text} ends before it starts`);
  return { minMs, maxMs };
}

function rate(text: string): number {
  const value = text === '' ? Number.NaN : Number(text);
  if (!(value >= 0 && value <= 1)) {
    throw new ConfigError(`fault spec: "rate" must be a number between 0 and 1, got "${text}"`);
  }
  return value;
}

function integer(key: string, text: string): number {
  if (!/^\d+$/.test(text))
    throw new ConfigError(`fault spec: "${key}" must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function faultKind(text: string): FaultKind {
  const kind = ALL_KINDS.find((k) => k === text);
  if (kind === undefined) {
    throw new ConfigError(`fault spec: unknown fault kind "${text}" (expected ${ALL_KINDS.join(', ')})`);
  }
  return kind;
}

export interface FaultInjectorOptions {
  /** @default systemClock */
  clock?: Clock;
  /** Called when a fault is injected into the request in `c`. */
  onFault?: (c: Context, kind: FaultKind) => void;
  /** Called for a request that arrives while a Retry-After / rate-limit reset announced by a fault runs. */
  onViolation?: (c: Context) => void;
  /** The API's own rate-limit answer. @default genericRateLimitAnswer */
  rateLimitAnswer?: RateLimitAnswer;
}

export interface FaultInjector {
  middleware: MiddlewareHandler;
  /** Re-seed and forget blocks and fault history. */
  reset(): void;
}

/**
 * Seeded fault injection. Each request draws from the PRNG whether to fault and which kind,
 * so a run is reproducible for a seed and a request order. A URL (path + query) is never
 * faulted twice in a row: the request that follows a faulted one for the same URL always
 * passes, so a client with at least one retry always gets through and faulted runs terminate.
 * Requests outside `only` draw nothing, so unrelated traffic does not shift the schedule.
 * The 429 / 403 faults block the whole server (all paths) for `retryAfterSeconds`; requests
 * arriving before then are reported through `onViolation` and answered with another 429.
 * @example app.use('/api/*', faultInjector(parseFaultSpec('rate=0.2,seed=7'), { clock }).middleware);
 */
export function faultInjector(spec: FaultSpec, options: FaultInjectorOptions = {}): FaultInjector {
  const clock = options.clock ?? systemClock;
  const kinds = spec.kinds && spec.kinds.length > 0 ? spec.kinds : DEFAULT_KINDS;
  // Retry-After is whole seconds (RFC 9110 §10.2.3).
  const retryAfter = Math.ceil(spec.retryAfterSeconds ?? 1);
  let random = seededRandom(spec.seed ?? 1);
  let blockedUntil = Number.NEGATIVE_INFINITY;
  const justFaulted = new Set<string>();
  const answer = options.rateLimitAnswer ?? genericRateLimitAnswer;
  const rates = spec.rates && Object.entries(spec.rates);

  const middleware: MiddlewareHandler = async (c, next) => {
    const now = clock.now();
    if (spec.latency) {
      const { minMs, maxMs } = spec.latency;
      await realDelay(minMs + Math.floor(random() * (maxMs - minMs + 1)), c.req.raw.signal);
    }
    if (now < blockedUntil) {
      options.onViolation?.(c);
      return answer(c, { kind: '429', now, retryAfterSeconds: Math.ceil((blockedUntil - now) / 1000) });
    }
    if (spec.only) spec.only.lastIndex = 0; // a /g or /y regex keeps state between test() calls
    if (spec.only && !spec.only.test(c.req.path)) return next();
    const url = new URL(c.req.url);
    const key = url.pathname + url.search;
    const roll = random();
    const pick = random();
    if (justFaulted.delete(key) || roll >= spec.rate) return next();
    const kind = rates ? pickByRate(rates, roll) : (kinds[Math.floor(pick * kinds.length)] ?? '500');
    justFaulted.add(key);
    options.onFault?.(c, kind);
    if (kind === '429' || kind === '403-primary' || kind === '403-secondary') {
      blockedUntil = now + retryAfter * 1000;
    }
    if (kind === '429' || kind === '403-primary' || kind === '403-secondary') {
      return answer(c, { kind, now, retryAfterSeconds: retryAfter });
    }
    return inject(c, next, kind, spec.slowMs ?? 100);
  };

  return {
    middleware,
    reset() {
      random = seededRandom(spec.seed ?? 1);
      blockedUntil = Number.NEGATIVE_INFINITY;
      justFaulted.clear();
    },
  };
}

/** The kind whose cumulative probability first passes `roll` (roll < the sum of the rates). */
function pickByRate(rates: Array<[string, number | undefined]>, roll: number): FaultKind {
  let acc = 0;
  for (const [kind, probability] of rates) {
    acc += probability ?? 0;
    if (roll < acc) return kind as FaultKind;
  }
  return rates[rates.length - 1]![0] as FaultKind;
}

async function inject(
  c: Context,
  next: () => Promise<void>,
  kind: Exclude<FaultKind, '429' | '403-primary' | '403-secondary'>,
  slowMs: number,
): Promise<Response | undefined> {
  switch (kind) {
    case '500':
      return c.json({ message: 'Internal Server Error' }, 500);
    // A proxy in front of the API answers 502 with its own HTML page.
    case '502':
      return c.html('<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>', 502);
    case '503':
      return c.json({ message: 'Service Unavailable' }, 503);
    case 'slow':
      await realDelay(slowMs, c.req.raw.signal);
      await next();
      return undefined;
    // After next() the context is finalized: replace c.res (Hono ignores a returned Response then).
    case 'invalid-json': {
      await next();
      const body = await c.res.text();
      c.res = new Response(body.slice(0, Math.floor(body.length / 2)), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
      return undefined;
    }
    case 'reset':
      await next();
      await resetMidBody(c);
      return undefined;
  }
}

/** Real time on purpose: client timeouts are real-time. Resolves early when the request is aborted. */
function realDelay(ms: number, signal: AbortSignal): Promise<void> {
  return systemClock.sleep(ms, signal).catch(() => undefined);
}

/**
 * Write the status line, headers and the first half of the real body straight to the socket,
 * then destroy it. Raw on purpose: node-server's own write of the response afterwards lands on a
 * destroyed socket and is dropped, which Hono's "already sent" marker cannot arrange once the
 * context is finalized.
 */
async function resetMidBody(c: Context): Promise<void> {
  const body = Buffer.from(await c.res.arrayBuffer());
  const part = body.subarray(0, Math.floor(body.length / 2));
  const outgoing: unknown = c.env?.outgoing;
  const socket = outgoing instanceof ServerResponse ? outgoing.socket : null;
  if (!socket) {
    // Not on a node:http socket (app.request() in a unit test): fail the body stream instead.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(part);
        controller.error(new Error('connection reset by fault injection'));
      },
    });
    c.res = new Response(stream, { status: c.res.status, headers: c.res.headers });
    return;
  }
  const lines = [`HTTP/1.1 ${c.res.status} ${STATUS_CODES[c.res.status] ?? ''}`];
  for (const [name, value] of c.res.headers) {
    if (name !== 'content-length' && name !== 'transfer-encoding') lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${body.length}`, '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  await new Promise<void>((resolve) => {
    socket.write(Buffer.concat([head, part]), () => {
      socket.destroy();
      resolve();
    });
  });
  // The real body is consumed; hand node-server an empty response to drop on the dead socket.
  c.res = new Response(null, { status: c.res.status });
}
