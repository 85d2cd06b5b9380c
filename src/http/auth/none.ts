import type { Auth } from './auth.js';

/**
 * No credentials: requests pass through untouched.
 * @example const auth = noAuth();
 */
export function noAuth(): Auth {
  return {
    apply: (req) => req,
    secrets: () => [],
    fingerprint: () => 'anonymous',
  };
}
