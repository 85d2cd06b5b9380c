import { ClientError } from '../errors/errors.js';
import type { Redactor } from './redact.js';
import type { Handler, HttpRequest, HttpResponse, Policy } from './types.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SENSITIVE = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * Follows redirects as its own policy so every hop passes back through auth, which
 * decides per hop whether the target origin may see credentials (manifest §3).
 * 303, and 301/302 after a non-GET, become a GET without body (RFC 9110 §15.4).
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
      const url = new URL(location, req.url);
      const toGet =
        res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
      const headers = { ...req.headers };
      if (url.origin !== req.url.origin) for (const name of SENSITIVE) delete headers[name];
      if (toGet) delete headers['content-type'];
      req = { ...req, url, headers, method: toGet ? 'GET' : req.method, body: toGet ? undefined : req.body };
    }
  }
}
