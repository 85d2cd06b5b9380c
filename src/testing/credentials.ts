import type { MiddlewareHandler } from 'hono';

/** Credentials a test server accepts; a request passes when it presents any one of them. */
export interface AcceptedCredentials {
  /** `Authorization: Bearer <token>`. */
  bearer?: string;
  /** `Authorization: Basic base64(username:password)` (RFC 7617). */
  basic?: { username: string; password: string };
  /**
   * An API key in a header or query parameter. With `prefix` the header value must be
   * `${prefix} ${value}` (e.g. `{ in: 'header', name: 'authorization', prefix: 'Token', value }`).
   */
  apiKey?: { in: 'header' | 'query'; name: string; value: string; prefix?: string };
}

export interface CredentialCheckOptions {
  /** Extra bearer tokens to accept (e.g. access tokens issued by the test OAuth server). */
  acceptBearer?: (token: string) => boolean;
}

/**
 * Answers 401 `{ message: "Bad credentials" }` (GitHub's wording) unless the request carries
 * one of the accepted credentials.
 * @example app.use('/api/*', credentialCheck({ bearer: 'tok' }));
 */
export function credentialCheck(
  accepted: AcceptedCredentials,
  options: CredentialCheckOptions = {},
): MiddlewareHandler {
  return async (c, next) => {
    const [scheme = '', ...rest] = (c.req.header('authorization') ?? '').split(' ');
    const param = rest.join(' ').trim();
    // Auth scheme names are case-insensitive (RFC 9110 §11.1).
    const kind = scheme.toLowerCase();
    const key = accepted.apiKey;
    const presentedKey = key && (key.in === 'header' ? c.req.header(key.name) : c.req.query(key.name));
    const ok =
      (kind === 'bearer' &&
        param !== '' &&
        (param === accepted.bearer || options.acceptBearer?.(param) === true)) ||
      (kind === 'basic' && accepted.basic !== undefined && basicMatches(param, accepted.basic)) ||
      (key !== undefined && presentedKey === apiKeyValue(key));
    if (ok) return next();
    c.header('www-authenticate', challenge(accepted));
    return c.json({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }, 401);
  };
}

function apiKeyValue(key: NonNullable<AcceptedCredentials['apiKey']>): string {
  return key.in === 'header' && key.prefix ? `${key.prefix.trim()} ${key.value}` : key.value;
}

function basicMatches(encoded: string, expected: { username: string; password: string }): boolean {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (
    colon >= 0 &&
    decoded.slice(0, colon) === expected.username &&
    decoded.slice(colon + 1) === expected.password
  );
}

/** RFC 9110 §11.6.1: a 401 carries WWW-Authenticate. */
function challenge(accepted: AcceptedCredentials): string {
  return accepted.basic && !accepted.bearer ? 'Basic realm="inlet-test"' : 'Bearer realm="inlet-test"';
}
