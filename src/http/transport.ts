import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { ClientError, NetworkError, ResponseError, TimeoutError } from '../errors/errors.js';
import type { Redactor } from './redact.js';
import type { Handler, HttpRequest } from './types.js';

export interface TransportOptions {
  /** One Agent per integration, so connection pools and limits are not shared across APIs. */
  dispatcher: Dispatcher;
  /** Longest wait for the response headers, and for each gap in the body, in ms. */
  timeout: number;
  /** Largest body accepted, enforced while streaming. */
  maxResponseSize: number;
  redactor: Redactor;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The innermost handler: one undici `request()`, body buffered under the size limit.
 * Uses undici's own header/body timers rather than an AbortSignal per request, which
 * would cost a timer allocation on every call (see bench/http-overhead).
 */
export function createTransport(options: TransportOptions): Handler {
  const { dispatcher, timeout, maxResponseSize, redactor } = options;
  return async (req: HttpRequest) => {
    const where = () => `${req.method} ${redactor.url(req.url)}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        dispatcher,
        signal: req.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (error) {
      throw transportError(error, req, where(), timeout, redactor);
    }

    const declared = Number(res.headers['content-length']);
    if (declared > maxResponseSize) {
      res.body.destroy();
      throw tooLarge(req, where(), res.statusCode, maxResponseSize, redactor);
    }
    let body: Buffer;
    try {
      body = await readBody(res.body, maxResponseSize, () =>
        tooLarge(req, where(), res.statusCode, maxResponseSize, redactor),
      );
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      throw transportError(error, req, where(), timeout, redactor);
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
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

function tooLarge(req: HttpRequest, where: string, status: number, limit: number, redactor: Redactor) {
  return new ResponseError(`response body larger than the ${formatBytes(limit)} limit (${where})`, {
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
