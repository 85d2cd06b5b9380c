import { type Auth, fingerprintOf, withHeader } from './auth.js';

/** Where and how an API key is sent (manifest §3.1 `apiKey`). */
interface ApiKeyOptions {
  /** Header or query parameter name, e.g. `X-Octopus-ApiKey`, `Authorization`, `api_key`. */
  name: string;
  in: 'header' | 'query';
  value: string;
  /** Put before the value in a header, separated by a space, e.g. `Token` for RapidPro. Ignored for `query`. */
  prefix?: string;
}

/**
 * An API key in a header (`name: prefix value`) or a query parameter (`name=value`).
 * @example const auth = apiKeyAuth({ name: 'Authorization', in: 'header', prefix: 'Token', value: key });
 */
export function apiKeyAuth(options: ApiKeyOptions): Auth {
  const { name, value, prefix } = options;
  const fingerprint = fingerprintOf('apiKey', options.in, name, value);
  const headerValue = prefix ? `${prefix.trimEnd()} ${value}` : value;
  return {
    apply(req) {
      if (options.in === 'header') return withHeader(req, name, headerValue);
      const url = new URL(req.url);
      // set, not append: a next-page link may already echo the key back.
      url.searchParams.set(name, value);
      return { ...req, url };
    },
    secrets: () => [value],
    fingerprint: () => fingerprint,
  };
}
