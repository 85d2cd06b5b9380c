import { describe, expect, it } from 'vitest';
import { AuthenticationError, ConfigError, isInletError, RateLimitError } from './errors.js';

describe('Inlet errors', () => {
  it('are recognised by brand and code, with the cause chained', () => {
    const cause = new Error('socket hang up');
    const error = new AuthenticationError('credentials rejected', { cause, status: 401 });
    expect(isInletError(error)).toBe(true);
    expect(isInletError(error, 'E_AUTH')).toBe(true);
    expect(isInletError(error, 'E_CONFIG')).toBe(false);
    expect(isInletError(new Error('plain'))).toBe(false);
    expect(isInletError({ code: 'E_AUTH' })).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('AuthenticationError');
  });

  it('print one CLI line: code, kind, method, URL, status, then the cause without repeating the request', () => {
    const error = new RateLimitError('rate limited: 429 "slow down" (GET https://api.x.test/items)', {
      method: 'GET',
      url: 'https://api.x.test/items',
      status: 429,
      waitMs: 1000,
    });
    error.kind = 'item';
    expect(error.toLine()).toBe(
      'E_RATE_LIMIT item GET https://api.x.test/items 429: rate limited: 429 "slow down"',
    );
    expect(new ConfigError('inlet.yaml:3: name: must match [a-z0-9-]+').toLine()).toBe(
      'E_CONFIG: inlet.yaml:3: name: must match [a-z0-9-]+',
    );
  });
});
