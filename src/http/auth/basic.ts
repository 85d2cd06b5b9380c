import { type Auth, fingerprintOf, withHeader } from './auth.js';

/**
 * HTTP Basic: `Authorization: Basic base64(username:password)` in UTF-8 (RFC 7617 §2).
 * @example const auth = basicAuth('ci-bot', process.env.JIRA_TOKEN ?? '');
 */
export function basicAuth(username: string, password: string): Auth {
  const pair = `${username}:${password}`;
  const header = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  const fingerprint = fingerprintOf('basic', pair);
  return {
    apply: (req) => withHeader(req, 'authorization', header),
    // The pair is listed so the Redactor also masks its base64 form, i.e. the header value.
    secrets: () => [password, pair],
    fingerprint: () => fingerprint,
  };
}
