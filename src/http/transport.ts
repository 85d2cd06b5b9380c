import { type Dispatcher, errors } from 'undici';
import {
  ClientError,
  ConfigError,
  isInletError,
  NetworkError,
  ResponseError,
  TimeoutError,
} from '../errors/errors.js';
import { ACCEPT_ENCODING, DecodeFailure, decodeBody } from './content-encoding.js';
import { DeadlineSweeper } from './deadline.js';
import { durationProblem, formatDuration } from './duration.js';
import type { Redactor } from './redact.js';
import type { Handler, HttpRequest } from './types.js';

export interface TransportOptions {
  /** One Agent per integration, so connection pools and limits are not shared across APIs. */
  dispatcher: Dispatcher;
  /** Longest wait for the response headers, and for each gap in the body, in ms. */
  timeout: number;
  /** Longest a whole response may take, from sending to the body's last byte, in ms. @default 300000 */
  deadline?: number;
  /** Largest body accepted, enforced while streaming, and again on the decoded (gzip, br) body. */
  maxResponseSize: number;
  redactor: Redactor;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

const DEFAULT_DEADLINE = 300_000;

/**
 * The innermost handler: one undici `dispatch()`, body buffered under the size limit and decoded
 * (gzip, deflate, br). Uses undici's own header/body timers and one sweeping interval for the
 * deadline rather than an AbortSignal per request, which would cost a timer allocation on every
 * call (see bench/http-overhead).
 */
export function createTransport(options: TransportOptions): Handler {
  const { dispatcher, timeout, maxResponseSize, redactor } = options;
  const deadline = options.deadline ?? DEFAULT_DEADLINE;
  for (const [field, ms] of [
    ['timeout', timeout],
    ['deadline', deadline],
  ] as const) {
    // undici reads 0 as "no timeout": a hang, not a limit.
    const problem = durationProblem(ms, 'limit');
    if (problem) throw new ConfigError(`${field}: ${problem}`);
  }
  const sweeper = new DeadlineSweeper(deadline);
  const headersTimeout = Math.min(timeout, deadline);
  return async (req: HttpRequest) => {
    const where = () => `${req.method} ${redactor.url(req.url)}`;
    const error = (status: number) => ({ method: req.method, url: redactor.url(req.url), status });
    const started = Date.now();
    // Set once the status arrived: a later failure is a gap in the body, not the wait for headers.
    let answered = false;
    let res: Exchanged;
    try {
      res = await exchange(dispatcher, req, {
        headersTimeout,
        bodyTimeout: timeout,
        limit: maxResponseSize,
        watch: (stop, status) => {
          answered = true;
          return sweeper.watch(
            // From sending the request: the headers' wait counts against the deadline too.
            started,
            stop,
            () =>
              new TimeoutError(
                `response not complete within the ${formatDuration(deadline)} deadline (${where()})`,
                error(status),
              ),
          );
        },
        overflow: (status) => tooLarge(req, where(), status, maxResponseSize, redactor),
      });
    } catch (cause) {
      if (isInletError(cause)) throw cause;
      throw transportError(cause, req, where(), answered ? timeout : headersTimeout, redactor);
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: Uint8Array = res.body;
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && body.length > 0) {
      body = await decoded(body, encoding, maxResponseSize, (failure) =>
        failure.tooLarge
          ? tooLarge(req, where(), res.status, maxResponseSize, redactor, 'decoded ')
          : new ResponseError(`${failure.message} (${where()})`, error(res.status)),
      );
      // The body is now what the headers would describe without the coding (as fetch() gives it).
      delete headers['content-encoding'];
      delete headers['content-length'];
    }
    return { status: res.status, headers, body, request: req };
  };
}

type ResponseHeaders = Record<string, string | string[] | undefined>;

interface Exchanged {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

interface ExchangeOptions {
  headersTimeout: number;
  bodyTimeout: number;
  /** Largest body accepted, checked against content-length and while the body arrives. */
  limit: number;
  /** Starts the deadline once the status is known; returns what cancels it. */
  watch(stop: (error: Error) => void, status: number): () => void;
  overflow(status: number): Error;
}

/**
 * One request through `dispatcher.dispatch()` with a handler that collects the body. undici's
 * `request()` builds a Readable and a body mixin per response; skipping them saves CPU on every
 * call (bench/http-overhead).
 */
function exchange(dispatcher: Dispatcher, req: HttpRequest, options: ExchangeOptions): Promise<Exchanged> {
  const { signal } = req;
  if (signal?.aborted) return Promise.reject(signal.reason ?? new errors.RequestAbortedError());
  return new Promise<Exchanged>((resolve, reject) => {
    const collector = new BodyCollector(options, resolve, reject, signal);
    const { url } = req;
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method as Dispatcher.HttpMethod,
          headers:
            req.headers['accept-encoding'] === undefined
              ? { ...req.headers, 'accept-encoding': ACCEPT_ENCODING }
              : req.headers,
          body: req.body,
          headersTimeout: options.headersTimeout,
          bodyTimeout: options.bodyTimeout,
        },
        collector,
      );
    } catch (error) {
      // A dispatcher that refuses synchronously (closed, a bad argument), not through onResponseError.
      collector.fail(error);
    }
  });
}

/** undici's handler for one exchange: the body's chunks under the limit, settled once. */
class BodyCollector implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Why the exchange was stopped: applied to any attempt that starts later (queued, retried, redirected). */
  private aborting: Error | undefined;
  private settled = false;
  private status = 0;
  private headers: ResponseHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private unwatch: (() => void) | undefined;
  private readonly onAbort = () => {
    const { reason } = this.signal ?? {};
    // As undici's request() did: a reason that is no Error (abort(null)) is its RequestAbortedError.
    this.stop(reason instanceof Error ? reason : new errors.RequestAbortedError());
  };

  constructor(
    private readonly options: ExchangeOptions,
    private readonly resolve: (exchanged: Exchanged) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private finish(): void {
    this.settled = true;
    this.unwatch?.();
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
  }

  // Kept for every later start too: a compose()d retry or redirect interceptor begins each attempt
  // with a new onRequestStart, and an attempt after the caller gave up must not reach the server.
  private readonly stop = (error: Error): void => {
    this.aborting = error;
    this.controller?.abort(error);
    this.fail(error);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborting) controller.abort(this.aborting);
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: ResponseHeaders): void {
    // 1xx informational answers come before the real one (RFC 9110 §15.2).
    if (status < 200 || this.settled) return;
    this.status = status;
    this.headers = headers;
    if (Number(headers['content-length']) > this.options.limit) this.stop(this.options.overflow(status));
    else this.unwatch = this.options.watch(this.stop, status);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.options.limit) this.stop(this.options.overflow(this.status));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.finish();
    const { chunks, size } = this;
    this.resolve({
      status: this.status,
      headers: this.headers,
      body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
    });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }
}

/** decodeBody, with a DecodeFailure turned into the caller's error. */
async function decoded(
  body: Uint8Array,
  encoding: string,
  limit: number,
  fail: (failure: DecodeFailure) => Error,
): Promise<Uint8Array> {
  try {
    return await decodeBody(body, encoding, limit);
  } catch (error) {
    throw error instanceof DecodeFailure ? fail(error) : error;
  }
}

function tooLarge(
  req: HttpRequest,
  where: string,
  status: number,
  limit: number,
  redactor: Redactor,
  what = '',
) {
  return new ResponseError(`${what}response body larger than the ${formatBytes(limit)} limit (${where})`, {
    method: req.method,
    url: redactor.url(req.url),
    status,
  });
}

function transportError(
  error: unknown,
  req: HttpRequest,
  where: string,
  timeout: number,
  redactor: Redactor,
) {
  // A caller's abort is not a failure of the API: pass it through untouched.
  if (req.signal?.aborted) return req.signal.reason ?? error;
  const code = (error as { code?: string }).code ?? '';
  const context = { method: req.method, url: redactor.url(req.url), cause: error };
  if (TIMEOUT_CODES.has(code)) {
    return new TimeoutError(`no response within ${timeout} ms (${where})`, context);
  }
  const detail = redactor.text((error as Error).message || code || 'request failed');
  // undici refused the request before sending it (a bad header value, a non-http URL): another try
  // cannot succeed, so it is a ClientError, which is not retried, rather than a NetworkError.
  if (code === 'UND_ERR_INVALID_ARG')
    return new ClientError(`request refused: ${detail} (${where})`, context);
  return new NetworkError(`${code ? `${code}: ` : ''}${detail} (${where})`, context);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${bytes} bytes`;
}
