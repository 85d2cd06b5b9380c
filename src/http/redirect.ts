import { ClientError } from '../errors/errors.js';
import { CREDENTIAL_HEADERS } from './auth/auth-policy.js';
import type { Redactor } from './redact.js';
import type { Handler, HttpRequest, HttpResponse, Policy } from './types.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Follows redirects as its own policy so every hop passes back through auth, which
 * decides per hop whether the target origin may see credentials (manifest §3).
 * 303, and 301/302 after a non-GET, become a GET without body (RFC 9110 §15.4). A redirect to a
 * scheme other than http(s) (`file:`, `ftp:`), or from https to plain http, is refused with a
 * ClientError: following it would read a local file or send the request in clear text (issue 8).
 * @default maxRedirects 5
 */
export function redirectPolicy(options: { maxRedirects: number; redactor: Redactor }): Policy {
  return (next) => (first) =>
    // Most responses are not redirects: only those pay for the async loop (bench/http-overhead).
    next(first).then((res) =>
      REDIRECTS.has(res.status) && res.headers.location ? follow(next, first, res) : res,
    );

  async function follow(next: Handler, first: HttpRequest, firstRes: HttpResponse): Promise<HttpResponse> {
    let req: HttpRequest = first;
    let res = firstRes;
    for (let hop = 0; ; hop++) {
      if (hop > 0) res = await next(req);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || !location) return res;
      if (hop >= options.maxRedirects) {
        throw new ClientError(`more than ${options.maxRedirects} redirects`, {
          method: req.method,
          url: options.redactor.url(req.url),
          status: res.status,
        });
      }
      const url = target(location, req, res.status);
      const toGet =
        res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
      const headers = { ...req.headers };
      if (url.origin !== req.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
      if (toGet) delete headers['content-type'];
      req = { ...req, url, headers, method: toGet ? 'GET' : req.method, body: toGet ? undefined : req.body };
    }
  }

  /** The URL a `Location` names, or a ClientError when it may not be followed. */
  function target(location: string, req: HttpRequest, status: number): URL {
    const context = { method: req.method, url: options.redactor.url(req.url), status };
    let url: URL;
    try {
      url = new URL(location, req.url);
    } catch {
      throw new ClientError(
        `redirect to an invalid URL ${JSON.stringify(options.redactor.text(location).slice(0, 200))}`,
        context,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ClientError(`redirect to unsupported scheme ${url.protocol} refused`, context);
    }
    if (req.url.protocol === 'https:' && url.protocol === 'http:') {
      throw new ClientError(
        `redirect from https to plain http (${options.redactor.url(url)}) refused: the request would travel in clear text`,
        context,
      );
    }
    return url;
  }
}
