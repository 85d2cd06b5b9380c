import type { Context } from 'hono';
import { Hono } from 'hono';
import { type Clock, systemClock } from '../http/clock.js';
import { seededRandom } from './prng.js';

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  /** A refresh token valid from the start (as if issued earlier). */
  refreshToken?: string;
  /** Access-token lifetime in seconds. @default 3600 */
  expiresIn?: number;
}

/** Live counters of token-endpoint calls. */
export interface TokenCounters {
  total: number;
  clientCredentials: number;
  refreshToken: number;
  /** Calls answered with an error (bad client, bad grant, unknown grant type). */
  rejected: number;
}

export interface OAuthServer {
  /** Serves POST /token; mount it with `app.route('/oauth', server.app)`. */
  app: Hono;
  counters: TokenCounters;
  /** True for an access token this server issued that has not expired (clock time). */
  isValidAccessToken(token: string): boolean;
  /** Forget issued tokens, restore the initial refresh token, zero the counters. */
  reset(): void;
}

/**
 * A minimal OAuth 2.0 token endpoint (RFC 6749 §4.4 client_credentials, §6 refresh_token) with
 * rotated refresh tokens: each refresh token works once. Clients authenticate with HTTP Basic
 * (§2.3.1) or client_id / client_secret in the form body.
 * @example const oauth = oauthServer({ clientId: 'id', clientSecret: 's' }); app.route('/oauth', oauth.app);
 */
export function oauthServer(options: OAuthOptions & { clock?: Clock; seed?: number }): OAuthServer {
  const clock = options.clock ?? systemClock;
  const expiresIn = options.expiresIn ?? 3600;
  let random = seededRandom(options.seed ?? 1);
  const accessTokens = new Map<string, number>();
  const refreshTokens = new Set<string>();
  const counters: TokenCounters = { total: 0, clientCredentials: 0, refreshToken: 0, rejected: 0 };
  const restart = () => {
    random = seededRandom(options.seed ?? 1);
    accessTokens.clear();
    refreshTokens.clear();
    if (options.refreshToken) refreshTokens.add(options.refreshToken);
    Object.assign(counters, { total: 0, clientCredentials: 0, refreshToken: 0, rejected: 0 });
  };
  restart();

  const token = (prefix: string) =>
    `${prefix}_${Array.from({ length: 4 }, () =>
      Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('')}`;

  // RFC 6749 §5.2 error response.
  const reject = (c: Context, status: 400 | 401, error: string) => {
    counters.rejected += 1;
    if (status === 401) c.header('www-authenticate', 'Basic realm="oauth"');
    return c.json({ error }, status);
  };

  const app = new Hono();
  app.post('/token', async (c) => {
    counters.total += 1;
    const form = new URLSearchParams(await c.req.text());
    const client = clientOf(c.req.header('authorization'), form);
    if (client.id !== options.clientId || client.secret !== options.clientSecret) {
      return reject(c, 401, 'invalid_client');
    }
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      counters.clientCredentials += 1;
    } else if (grant === 'refresh_token') {
      counters.refreshToken += 1;
      const presented = form.get('refresh_token') ?? '';
      if (!refreshTokens.delete(presented)) return reject(c, 400, 'invalid_grant');
    } else {
      return reject(c, 400, 'unsupported_grant_type');
    }
    const accessToken = token('at');
    const refreshToken = token('rt');
    accessTokens.set(accessToken, clock.now() + expiresIn * 1000);
    refreshTokens.add(refreshToken);
    c.header('cache-control', 'no-store'); // RFC 6749 §5.1
    return c.json({
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: expiresIn,
      refresh_token: refreshToken,
    });
  });

  return {
    app,
    counters,
    isValidAccessToken(candidate) {
      const expires = accessTokens.get(candidate);
      return expires !== undefined && clock.now() < expires;
    },
    reset: restart,
  };
}

/** Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1); body params are the fallback. */
function clientOf(
  authorization: string | undefined,
  form: URLSearchParams,
): { id?: string; secret?: string } {
  const match = /^basic\s+(\S+)$/i.exec(authorization ?? '');
  if (match?.[1]) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return {};
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    try {
      return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
    } catch {
      return {};
    }
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}
