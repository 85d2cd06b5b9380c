import type { HttpRequest, HttpResponse, Policy } from '../types.js';
import type { Auth } from './auth.js';

/** Headers that carry credentials and never leave the trusted origin. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
]);
/** Shorter secrets are not matched inside header values: too likely to hit innocent text. */
const MIN_SECRET_LENGTH = 4;

interface AuthPolicyOptions {
  /** The origin of `baseUrl`: the only origin that ever receives credentials (manifest §3). */
  origin: string;
  /** Read on every request, so credentials can be replaced on a live client. */
  getAuth: () => Auth;
  /**
   * More lower-case header names that carry credentials (a header built from a secret setting, the
   * client's default headers), dropped on another origin like `authorization`. @default none
   */
  credentialHeaders?: ReadonlySet<string>;
  /** Every secret the client knows (a Redactor): a header or query value holding one in any form is dropped too. */
  secrets?: { contains(text: string): boolean };
}

/**
 * Attaches credentials only to requests whose URL origin is `origin`, and sets `credentialKey`
 * to the credential's fingerprint. Requests to any other origin (cross-origin redirects,
 * next-page links) lose `authorization`, `proxy-authorization`, `cookie`, the `credentialHeaders`,
 * and any header or query parameter carrying a secret (an apiKey echoed in a next link).
 * A 401 from the trusted origin is retried once when `auth.refresh` returns true; otherwise
 * the 401 is returned unchanged for the client to map to AuthenticationError. A 401 means the
 * request was rejected before processing, so the retry is safe for any method.
 * @example const handler = compose(redirectPolicy(r), authPolicy({ origin: baseUrl, getAuth: () => auth }))(transport);
 */
export function authPolicy(options: AuthPolicyOptions): Policy {
  const trusted = new URL(options.origin).origin;
  return (next) => {
    const refreshAndRetry = async (auth: Auth, req: HttpRequest, sent: HttpRequest, res: HttpResponse) => {
      if (!(await auth.refresh?.(sent))) return res;
      return next(await authorize(auth, req));
    };
    return (req) => {
      if (req.url.origin !== trusted) return next(withoutCredentials(req, options.getAuth(), options));
      const auth = options.getAuth();
      const send = (sent: HttpRequest) =>
        next(sent).then((res) =>
          res.status === 401 && auth.refresh ? refreshAndRetry(auth, req, sent, res) : res,
        );
      const applied = auth.apply(req);
      // Most auths apply synchronously: no extra await on the common path (bench/http-overhead).
      return applied instanceof Promise
        ? applied.then((a) => send(withKey(auth, a)))
        : send(withKey(auth, applied));
    };
  };
}

async function authorize(auth: Auth, req: HttpRequest): Promise<HttpRequest> {
  return withKey(auth, await auth.apply(req));
}

function withKey(auth: Auth, applied: HttpRequest): HttpRequest {
  return { ...applied, credentialKey: auth.fingerprint() };
}

function withoutCredentials(req: HttpRequest, auth: Auth, options: AuthPolicyOptions): HttpRequest {
  const secrets = [...auth.secrets()].filter((s): s is string => typeof s === 'string' && s.length > 0);
  const long = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  const named = options.credentialHeaders;
  const known = options.secrets;
  const carries = (value: string) => long.some((s) => value.includes(s)) || known?.contains(value) === true;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!CREDENTIAL_HEADERS.has(name) && !named?.has(name) && !carries(value)) headers[name] = value;
  }
  let url = req.url;
  const leaked = [...url.searchParams]
    .filter(([, value]) => secrets.includes(value) || known?.contains(value) === true)
    .map(([name]) => name);
  if (leaked.length > 0) {
    url = new URL(url);
    for (const name of leaked) url.searchParams.delete(name);
  }
  return { ...req, url, headers, credentialKey: undefined };
}
