import { AuthenticationError, type InletError } from '../../errors/errors.js';
import type { Clock, Random } from '../clock.js';
import { Redactor } from '../redact.js';
import { errorForResponse } from '../response.js';
import { type RetryOptions, retryPolicy } from '../retry.js';
import type { EventSink, Handler, HttpResponse } from '../types.js';
import { type Auth, fingerprintOf, withHeader } from './auth.js';

/** OAuth 2.0 client settings (manifest §3.1 `oauth2`) plus the injected transport and clock. */
export interface OAuth2Options {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  grant: 'client_credentials' | 'refresh_token';
  /** Required for the `refresh_token` grant; replaced whenever the server rotates it. */
  refreshToken?: string;
  /** Sent as `scope` (space-separated) with the `client_credentials` grant; a refresh keeps the granted scope (RFC 6749 §6). */
  scopes?: string[];
  /** How the token endpoint is called; the client passes its transport handler so timeouts/size limits apply. */
  send: Handler;
  clock: Clock;
  /** Refresh this long before expiry (capped at half the token's lifetime). @default 60_000 */
  skewMs?: number;
  /** Called with the new refresh token when the server rotates it, so callers can persist it. */
  onRefreshToken?: (token: string) => void;
  /**
   * Retries of the token request on 408/425/429/5xx and network errors, with backoff and `Retry-After`
   * (the API's own retry policy); `false` for a single try. @default the retry policy's defaults (6 tries)
   */
  retry?: RetryOptions | false;
  /** Jitter source for the backoff. @default Math.random */
  random?: Random;
  /** Receives the `retry` events of the token request. */
  onEvent?: EventSink;
}

interface Token {
  value: string;
  /** Epoch ms after which the token is no longer used (expiry minus skew); undefined = until a 401. */
  renewAt?: number;
}

const EXCERPT_BYTES = 1024;
const decoder = new TextDecoder();

/**
 * OAuth 2.0 access token sent as a Bearer token (RFC 6750). Fetched lazily on first use, renewed
 * `skewMs` before `expires_in` runs out and once after a 401; one token request in flight at a time.
 * The client authenticates with HTTP Basic, the method RFC 6749 §2.3.1 says servers MUST support,
 * so `client_id`/`client_secret` are never put in the body.
 * @example
 * const auth = oauth2Auth({ tokenUrl, clientId, clientSecret, grant: 'client_credentials', send: transport, clock: systemClock });
 */
export function oauth2Auth(options: OAuth2Options): Auth {
  const { clock, grant, scopes } = options;
  // A token endpoint is an HTTP server like any other: a 503 or 429 is transient, not bad credentials.
  const send =
    options.retry === false
      ? options.send
      : retryPolicy({
          ...options.retry,
          clock,
          random: options.random ?? Math.random,
          onEvent: options.onEvent,
        })(options.send);
  const skewMs = options.skewMs ?? 60_000;
  const tokenUrl = new URL(options.tokenUrl);
  const endpoint = `${tokenUrl.origin}${tokenUrl.pathname}`;
  // RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
  const clientPair = `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`;
  const clientHeader = `Basic ${Buffer.from(clientPair, 'utf8').toString('base64')}`;
  const fingerprint = fingerprintOf('oauth2', endpoint, options.clientId, grant, options.refreshToken ?? '');
  let refreshToken = options.refreshToken;
  let token: Token | undefined;
  let inflight: Promise<Token> | undefined;

  const secrets = () => [options.clientSecret, clientPair, refreshToken, token?.value];
  const redactor = new Redactor();
  redactor.track(secrets);
  const canRequest = () => grant === 'client_credentials' || Boolean(refreshToken);

  /** Single flight: every caller that needs a new token while one is being fetched shares it. */
  function renew(): Promise<Token> {
    inflight ??= requestToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  function current(): Promise<Token> | Token {
    if (inflight) return inflight;
    if (token && (token.renewAt === undefined || clock.now() < token.renewAt)) return token;
    return renew();
  }

  async function requestToken(): Promise<Token> {
    if (!refreshToken && grant === 'refresh_token') {
      throw new AuthenticationError(`OAuth2 refresh_token grant has no refresh token (${endpoint})`, {
        method: 'POST',
        url: endpoint,
      });
    }
    const form = new URLSearchParams({ grant_type: grant });
    if (grant === 'refresh_token' && refreshToken) form.set('refresh_token', refreshToken);
    else if (scopes?.length) form.set('scope', scopes.join(' '));
    const sentAt = clock.now();
    const res = await send({
      method: 'POST',
      url: new URL(tokenUrl),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: clientHeader,
      },
      body: form.toString(),
      // Safe to repeat: a 429/5xx answer means no token was issued (RFC 6749 §5.2 errors are 400/401).
      retry: true,
    });
    const fields = parseFields(res);
    const accessToken = fields?.access_token;
    if (res.status < 200 || res.status >= 300 || typeof accessToken !== 'string' || !accessToken) {
      throw tokenError(res, fields);
    }
    const lifetime = lifetimeMs(fields?.expires_in);
    token = {
      value: accessToken,
      renewAt: lifetime === undefined ? undefined : sentAt + lifetime - Math.min(skewMs, lifetime / 2),
    };
    const rotated = fields?.refresh_token;
    // RFC 6749 §6 / OAuth 2.1 §4.3.1: a returned refresh token replaces the old one.
    if (typeof rotated === 'string' && rotated && rotated !== refreshToken) {
      refreshToken = rotated;
      options.onRefreshToken?.(rotated);
    }
    return token;
  }

  function tokenError(res: HttpResponse, fields: Record<string, unknown> | undefined): InletError {
    const ok = res.status >= 200 && res.status < 300;
    if (!ok && res.status !== 400 && res.status !== 401) {
      // Only 400/401 say the credentials are wrong; a 5xx is E_SERVER, a 429 E_RATE_LIMIT, a 404 a wrong tokenUrl.
      const error = errorForResponse(
        { ...res, request: { ...res.request, url: new URL(endpoint) } },
        redactor,
        clock.now(),
      )!;
      error.message = `OAuth2 token request failed: ${error.message}`;
      return error;
    }
    const excerpt = redactor.excerpt(res.body, EXCERPT_BYTES);
    let reason: string;
    if (!ok) {
      // RFC 6749 §5.2 error response: `error`, optional `error_description`.
      const code = typeof fields?.error === 'string' ? ` ${fields.error}` : '';
      const description =
        typeof fields?.error_description === 'string' ? ` (${fields.error_description})` : '';
      reason = `${res.status}${code}${description}`;
    } else {
      reason = fields
        ? `${res.status} without an access_token`
        : `${res.status} with a body that is not JSON`;
    }
    return new AuthenticationError(redactor.text(`OAuth2 token request to ${endpoint} failed: ${reason}`), {
      method: 'POST',
      url: endpoint,
      status: res.status,
      body: excerpt,
    });
  }

  return {
    async apply(req) {
      const { value } = await current();
      return withHeader(req, 'authorization', `Bearer ${value}`);
    },
    async refresh(failed) {
      if (inflight) {
        await inflight;
        return true;
      }
      if (!canRequest()) return false;
      // Another 401 already replaced the token this request carried: retrying with the new one is enough.
      if (failed && token && failed.headers.authorization !== `Bearer ${token.value}`) return true;
      await renew();
      return true;
    },
    secrets,
    fingerprint: () => fingerprint,
  };
}

/** The JSON object in a token response, or undefined when the body is not one. */
function parseFields(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(decoder.decode(res.body));
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `expires_in` in ms; some servers send it as a string. Undefined when absent or not a positive number. */
function lifetimeMs(expiresIn: unknown): number | undefined {
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
