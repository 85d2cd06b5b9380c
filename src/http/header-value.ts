import { ConfigError } from '../errors/errors.js';

// RFC 9110 §5.5: CR, LF and NUL are never valid in a field value; undici refuses them at send time,
// where the failure would look like a network error and be retried.
const FORBIDDEN = /[\r\n\0]/;

/**
 * Throw a ConfigError naming `field` (never quoting the value, which may be a secret) when `value`
 * cannot be sent as a header value.
 * @example checkHeaderValue('headers.X-Tenant', value)
 */
export function checkHeaderValue(field: string, value: string): void {
  if (FORBIDDEN.test(value)) {
    throw new ConfigError(
      `${field}: header value contains CR, LF or NUL, which HTTP forbids (RFC 9110 §5.5)`,
    );
  }
}
