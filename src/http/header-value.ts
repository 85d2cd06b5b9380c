import { ConfigError } from '../errors/errors.js';

// RFC 9110 §5.5: CR, LF and NUL are never valid in a field value; undici refuses them at send time,
// where the failure would look like a network error and be retried.
const FORBIDDEN = /[\r\n\0]/;

/**
 * Why `value` cannot be sent as a header value, or undefined when it can. Never quotes the value,
 * which may be a secret.
 * @example headerValueProblem('a\r\nb') // 'header value contains CR, LF or NUL, …'
 */
export function headerValueProblem(value: string): string | undefined {
  return FORBIDDEN.test(value)
    ? 'header value contains CR, LF or NUL, which HTTP forbids (RFC 9110 §5.5)'
    : undefined;
}

/**
 * Throw a ConfigError naming `field` when `value` cannot be sent as a header value.
 * @example checkHeaderValue('headers.X-Tenant', value)
 */
export function checkHeaderValue(field: string, value: string): void {
  const problem = headerValueProblem(value);
  if (problem) throw new ConfigError(`${field}: ${problem}`);
}
