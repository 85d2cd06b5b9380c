import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
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
 * The innermost handler: one undici `request()`, body buffered under the size limit and decoded
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
    const started = Date.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers:
          req.headers['accept-encoding'] === undefined
            ? { ...req.headers, 'accept-encoding': ACCEPT_ENCODING }
            : req.headers,
        body: req.body,
        dispatcher,
        signal: req.signal,
        headersTimeout,
        bodyTimeout: timeout,
      });
    } catch (error) {
      throw transportError(error, req, where(), headersTimeout, redactor);
    }

    const declared = Number(res.headers['content-length']);
    if (declared > maxResponseSize) {
      res.body.destroy();
      throw tooLarge(req, where(), res.statusCode, maxResponseSize, redactor);
    }
    let body: Uint8Array;
    const unwatch = sweeper.watch(
      started,
      res.body,
      () =>
        new TimeoutError(
          `response not complete within the ${formatDuration(deadline)} deadline (${where()})`,
          {
            method: req.method,
            url: redactor.url(req.url),
            status: res.statusCode,
          },
        ),
    );
    try {
      body = await readBody(res.body, maxResponseSize, () =>
        tooLarge(req, where(), res.statusCode, maxResponseSize, redactor),
      );
    } catch (error) {
      if (isInletError(error)) throw error;
      throw transportError(error, req, where(), timeout, redactor);
    } finally {
      unwatch();
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && body.length > 0) {
      body = await decoded(body, encoding, maxResponseSize, (failure) =>
        failure.tooLarge
          ? tooLarge(req, where(), res.statusCode, maxResponseSize, redactor, 'decoded ')
          : new ResponseError(`${failure.message} (${where()})`, {
              method: req.method,
              url: redactor.url(req.url),
              status: res.statusCode,
            }),
      );
      // The body is now what the headers would describe without the coding (as fetch() gives it).
      delete headers['content-encoding'];
      delete headers['content-length'];
    }
    return { status: res.statusCode, headers, body, request: req };
  };
}

/**
 * Collect a body, failing as soon as it passes `limit`. Plain stream events rather than
 * `for await`, whose async-iterator machinery costs ~5% per request (bench/http-overhead).
 */
function readBody(stream: Readable, limit: number, overflow: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(overflow());
        return;
      }
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
  });
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
