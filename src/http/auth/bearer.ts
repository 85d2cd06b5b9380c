import { type Auth, fingerprintOf, withHeader } from './auth.js';

/**
 * A static token sent as `Authorization: Bearer <token>` (RFC 6750 §2.1).
 * @example const auth = bearerAuth(process.env.GITHUB_TOKEN ?? '');
 */
export function bearerAuth(token: string): Auth {
  const fingerprint = fingerprintOf('bearer', token);
  return {
    apply: (req) => withHeader(req, 'authorization', `Bearer ${token}`),
    secrets: () => [token],
    fingerprint: () => fingerprint,
  };
}
