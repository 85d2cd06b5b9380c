import { Agent, type Dispatcher } from 'undici';
import { ConfigError, isInletError } from '../errors/errors.js';
import { type Auth, authPolicy, noAuth } from './auth/index.js';
import type { BudgetStore } from './budget-store.js';
import { type Clock, type Random, systemClock } from './clock.js';
import { concurrencyPolicy } from './concurrency.js';
import { parseDuration } from './duration.js';
import { checkHeaderValue } from './header-value.js';
import { type Logger, logEvents } from './log.js';
import { observePolicy } from './observe.js';
import {
  type ChainEnd,
  createPaginator,
  type Page,
  type PageRequest,
  type PaginateSpec,
  readChain,
  type Selector,
} from './pagination/index.js';
import { rateBudgetPolicy } from './rate-budget.js';
import { Redactor } from './redact.js';
import { redirectPolicy } from './redirect.js';
import { decodeJson, errorForResponse } from './response.js';
import { type RetryOptions, retryPolicy } from './retry.js';
import { createTransport } from './transport.js';
import {
  compose,
  type EventSink,
  type Handler,
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  type Policy,
} from './types.js';

type Duration = number | string;
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | ReadonlyArray<string | number | boolean>;

export interface ClientOptions {
  /** Every relative path is resolved against it; credentials go only to its origin. */
  baseUrl: string;
  /** @default noAuth() */
  auth?: Auth;
  /**
   * Sent with every request to `baseUrl`'s origin, and only there: every one is treated as a
   * credential, so none follows a redirect or next-page link to another origin (like `Authorization`).
   * @example { 'x-api-key': key }
   */
  headers?: Record<string, string>;
  /**
   * Names of headers given per request (`get(path, { headers })`) that carry credentials: dropped
   * from a request to another origin, and their values redacted from errors and logs. Every name in
   * `headers`, `authorization`, `proxy-authorization`, `cookie`, and any header holding a known
   * secret are dropped there anyway. @default []
   * @example ['x-tenant-key']
   */
  credentialHeaders?: string[];
  /**
   * Budget per (origin, credential). The quota the server reports (`headers`) is the budget until its
   * reset; `requests`/`per` is a prior used while the server says nothing, and a ceiling with `strict`.
   * `spread` paces the reported quota evenly to the reset. @default the server's headers only
   */
  rateLimit?: {
    requests?: number;
    per?: Duration;
    /** @default false */
    strict?: boolean;
    /** @default false */
    spread?: boolean;
    headers?: { remaining: string; reset: string };
  };
  /** Where the rate budgets live; share one between clients (or processes) to spend one quota. @default memoryBudgetStore() */
  budgetStore?: BudgetStore;
  /**
   * Extra policies at named points: `beforeRetry` sees each call once (outside the retries, inside
   * redirects); `beforeTransport` sees every attempt as it goes on the wire, credentials attached.
   * @example policies: { beforeTransport: [recordPolicy(cassette)] }
   */
  policies?: { beforeRetry?: Policy[]; beforeTransport?: Policy[] };
  /** `false` disables retries. @default { attempts: 6, backoff: { initial: 500ms, max: 60s }, maxWait: 15m } */
  retry?:
    | (Omit<RetryOptions, 'backoff' | 'maxWait'> & {
        backoff?: { initial: Duration; max: Duration };
        maxWait?: Duration;
      })
    | false;
  /** Per request: wait for headers, and for each gap in the body. @default 30s */
  timeout?: Duration;
  /** Per response: from sending the request to the body's last byte, however slowly it trickles. @default 5m */
  deadline?: Duration;
  /** Requests in flight for this client. @default 8 */
  concurrency?: number;
  /** @default 50 MiB */
  maxResponseSize?: number;
  /** Allow `http://` to a host that is not loopback. @default false */
  allowInsecure?: boolean;
  /** @default 5 */
  maxRedirects?: number;
  logger?: Logger;
  onEvent?: EventSink;
  clock?: Clock;
  random?: Random;
  /** @default a new undici Agent owned (and closed) by the client */
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string or bytes. */
  body?: unknown;
  /** Retry a POST/PATCH (only idempotent methods are retried otherwise). */
  retry?: boolean;
  signal?: AbortSignal;
  /**
   * While requests queue for the client's `concurrency`, a higher priority goes first.
   * @default 0
   * @example client.pages('/orgs/acme/repos', { paginate: { type: 'link' }, priority: 1 })
   */
  priority?: number;
}

export interface ClientResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** The redacted final URL. */
  url: string;
}

export interface PaginateOptions extends Omit<RequestOptions, 'retry'> {
  /** @default { type: 'none' } */
  paginate?: PaginateSpec;
  /** The records of a page: a selector function or a path such as `.items`. @default the body */
  records?: Selector | string;
  /** @default 10000 */
  maxPages?: number;
  /** Names the chain in warnings. */
  kind?: string;
}

export interface Client {
  request<T = unknown>(path: string, options?: RequestOptions): Promise<ClientResponse<T>>;
  get<T = unknown>(path: string, options?: Omit<RequestOptions, 'method'>): Promise<ClientResponse<T>>;
  post<T = unknown>(path: string, options?: Omit<RequestOptions, 'method'>): Promise<ClientResponse<T>>;
  put<T = unknown>(path: string, options?: Omit<RequestOptions, 'method'>): Promise<ClientResponse<T>>;
  patch<T = unknown>(path: string, options?: Omit<RequestOptions, 'method'>): Promise<ClientResponse<T>>;
  delete<T = unknown>(path: string, options?: Omit<RequestOptions, 'method'>): Promise<ClientResponse<T>>;
  /** Pages of a paginated read, as an async iterator. */
  /** Pages of one chain; the generator's return value says whether the API ended it or it was cut short. */
  pages(path: string, options?: PaginateOptions): AsyncGenerator<Page, ChainEnd>;
  /** Records of a paginated read, page by page, as an async iterator. */
  paginate<T = Record<string, unknown>>(path: string, options?: PaginateOptions): AsyncGenerator<T>;
  /** Replace the credentials of a live client; the next request uses them. */
  setAuth(auth: Auth): void;
  /** Scrubs this client's secrets from any text. */
  readonly redactor: Redactor;
  readonly baseUrl: URL;
  close(): Promise<void>;
}

const DEFAULT_MAX_RESPONSE = 50 * 1024 * 1024;

/**
 * An HTTP client for one API, correct by default: retries with backoff, Retry-After and
 * rate-limit resets honoured, a rate budget, bounded concurrency, credentials only to
 * `baseUrl`'s origin, typed errors with secrets redacted.
 * @example
 * const gh = createClient({ baseUrl: 'https://api.github.com', auth: bearerAuth(token) });
 * for await (const repo of gh.paginate('/orgs/acme/repos', { paginate: { type: 'link' } })) console.log(repo.name);
 */
export function createClient(options: ClientOptions): Client {
  const baseUrl = parseBaseUrl(options.baseUrl, options.allowInsecure ?? false);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const redactor = new Redactor();
  let auth = options.auth ?? noAuth();
  redactor.track(() => auth.secrets());

  const defaultHeaders = lowerCaseKeys(options.headers ?? {});
  for (const [name, value] of Object.entries(defaultHeaders)) checkHeaderValue(`headers.${name}`, value);
  const requestCredentials = new Set((options.credentialHeaders ?? []).map((name) => name.toLowerCase()));
  const credentialHeaders = new Set([...requestCredentials, ...Object.keys(defaultHeaders)]);

  const sinks: EventSink[] = [];
  if (options.logger) sinks.push(logEvents(options.logger, redactor));
  if (options.onEvent) sinks.push(options.onEvent);
  const onEvent = (event: HttpEvent) => {
    for (const sink of sinks) sink(event);
  };

  const ownsDispatcher = !options.dispatcher;
  const dispatcher =
    options.dispatcher ?? new Agent({ connections: Math.max(options.concurrency ?? 8, 1) * 2 });
  const transport = createTransport({
    dispatcher,
    timeout: parseDuration(options.timeout ?? '30s', 'timeout'),
    deadline: parseDuration(options.deadline ?? '5m', 'deadline'),
    maxResponseSize: options.maxResponseSize ?? DEFAULT_MAX_RESPONSE,
    redactor,
  });
  const retry = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const maxWait = retry.maxWait === undefined ? undefined : parseDuration(retry.maxWait, 'retry.maxWait');
  const handler: Handler = compose(
    redirectPolicy({ maxRedirects: options.maxRedirects ?? 5, redactor }),
    ...(options.policies?.beforeRetry ?? []),
    retryPolicy({
      attempts: retry.attempts,
      statuses: retry.statuses,
      backoff: retry.backoff && {
        initial: parseDuration(retry.backoff.initial, 'retry.backoff.initial'),
        max: parseDuration(retry.backoff.max, 'retry.backoff.max'),
      },
      maxWait,
      clock,
      random,
      onEvent,
    }),
    authPolicy({ origin: baseUrl.origin, getAuth: () => auth, credentialHeaders, secrets: redactor }),
    // The budget is checked after a concurrency slot is taken, right before the wire: a request
    // that queued for a slot while a 429 arrived must still see that block.
    concurrencyPolicy(options.concurrency ?? 8),
    rateBudgetPolicy({
      requests: options.rateLimit?.requests,
      per:
        options.rateLimit?.per === undefined
          ? undefined
          : parseDuration(options.rateLimit.per, 'rateLimit.per'),
      strict: options.rateLimit?.strict,
      spread: options.rateLimit?.spread,
      headers: options.rateLimit?.headers,
      store: options.budgetStore,
      maxWait,
      clock,
      onEvent,
    }),
    // Per-attempt events cost an object and a clock read per request: only when someone listens.
    ...(sinks.length > 0 ? [observePolicy(onEvent, clock)] : []),
    ...(options.policies?.beforeTransport ?? []),
  )(transport);

  const checked = (res: HttpResponse) => {
    if (res.status < 400) return res;
    throw errorForResponse(res, redactor, clock.now());
  };
  function send(req: HttpRequest): Promise<HttpResponse> {
    return handler(req).then(checked, (error: unknown) => {
      throw scrub(error, req, redactor);
    });
  }

  const baseHref = baseUrl.href;
  const baseOrigin = baseUrl.origin;
  function build(path: string, o: RequestOptions): HttpRequest {
    // `/orgs/x` and `orgs/x` are both relative to baseUrl's path, so GitHub Enterprise's `/api/v3` prefix
    // holds. One absolute parse: parsing against a base URL costs ~3% per request (bench/http-overhead).
    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(baseHref + path.replace(/^\/+/, ''));
    appendQuery(url, o.query);
    const own = o.headers && ownHeaders(o.headers);
    const headers: Record<string, string> = {
      'user-agent': 'inlet',
      accept: 'application/json',
      ...(url.origin === baseOrigin ? defaultHeaders : undefined),
      ...own,
    };
    let body: string | Uint8Array | undefined;
    if (o.body !== undefined) {
      if (typeof o.body === 'string' || o.body instanceof Uint8Array) body = o.body;
      else {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    return {
      method: (o.method ?? 'GET').toUpperCase(),
      url,
      headers,
      body,
      retry: o.retry,
      signal: o.signal,
      priority: o.priority ?? 0,
    };
  }

  /** Per-request headers, checked, with the values of credential headers registered for redaction. */
  function ownHeaders(given: Record<string, string>): Record<string, string> {
    const out = lowerCaseKeys(given);
    for (const [name, value] of Object.entries(out)) {
      checkHeaderValue(`headers.${name}`, value);
      if (requestCredentials.has(name)) redactor.add(value);
    }
    return out;
  }

  async function request<T>(path: string, o: RequestOptions = {}): Promise<ClientResponse<T>> {
    const res = await send(build(path, o));
    const data = decodeJson(res, redactor) as T;
    // The redacted URL is built on first read: most callers never look at it.
    return {
      status: res.status,
      headers: res.headers,
      data,
      get url() {
        return redactor.url(res.request.url);
      },
    };
  }

  async function* pages(path: string, o: PaginateOptions = {}): AsyncGenerator<Page, ChainEnd> {
    const first = build(path, o);
    const paginator = createPaginator(o.paginate ?? { type: 'none' });
    const chain = readChain({
      first: { method: first.method, url: first.url, headers: first.headers, body: o.body },
      paginator,
      records: o.records,
      maxPages: o.maxPages,
      kind: o.kind,
      onEvent,
      signal: o.signal,
      fetchPage: async (page: PageRequest, signal?: AbortSignal) => {
        const req = build(page.url.href, {
          ...o,
          method: page.method,
          query: undefined,
          signal: signal ?? o.signal,
        });
        req.headers = { ...req.headers, ...lowerCaseKeys(page.headers ?? {}) };
        if (o.kind !== undefined) req.kind = o.kind;
        const res = await send(req);
        return {
          url: res.request.url,
          status: res.status,
          headers: res.headers,
          body: decodeJson(res, redactor),
        };
      },
    });
    try {
      return yield* chain;
    } catch (error) {
      // Pagination errors quote headers and bodies (a malformed Link header), which may carry secrets.
      throw scrub(error, first, redactor);
    }
  }

  async function* paginate<T>(path: string, o: PaginateOptions = {}): AsyncGenerator<T> {
    for await (const page of pages(path, o)) yield* page.records as T[];
  }

  const method =
    (m: string) =>
    <T>(path: string, o: Omit<RequestOptions, 'method'> = {}) =>
      request<T>(path, { ...o, method: m });

  return {
    request,
    get: method('GET'),
    post: method('POST'),
    put: method('PUT'),
    patch: method('PATCH'),
    delete: method('DELETE'),
    pages,
    paginate,
    setAuth(next) {
      auth = next;
    },
    redactor,
    baseUrl,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

function parseBaseUrl(value: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`baseUrl: "${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`baseUrl: protocol ${url.protocol} is not supported (use https://)`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowInsecure) {
    throw new ConfigError(
      `baseUrl: plain http:// to ${url.hostname} is refused: credentials would cross the network in clear text (use https://, or set allowInsecure: true)`,
    );
  }
  // A query or fragment would be glued to every path (`?x=1orgs/acme`): refuse it (issue 8).
  if (url.search || url.hash) {
    throw new ConfigError(
      `baseUrl: ${url.origin}${url.pathname} has a ${url.search ? 'query' : 'fragment'}; put query parameters on the requests instead`,
    );
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function appendQuery(url: URL, query: Record<string, QueryValue> | undefined): void {
  if (!query) return;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
    else url.searchParams.set(key, String(value));
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Errors from the policies are redacted already; this is the last net for text from a lower
 * layer, and fills in the redacted URL on errors raised before a response existed.
 */
function scrub(error: unknown, req: HttpRequest, redactor: Redactor): unknown {
  if (isInletError(error)) {
    error.method ??= req.method;
    error.url ??= redactor.url(req.url);
  }
  if (error instanceof Error) error.message = redactor.text(error.message);
  return error;
}
