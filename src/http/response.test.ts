import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';
import { errorForResponse } from './response.js';
import type { HttpResponse } from './types.js';

const response = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(body)),
  request: { method: 'GET', url: new URL('https://api.example.com/x'), headers: {} },
});

describe('errorForResponse', () => {
  it.each([
    [401, { message: 'Bad credentials' }, 'E_AUTH'],
    // Django REST Framework (RapidPro) rejects a bad token with 403 when no WWW-Authenticate is sent.
    [403, { detail: 'Invalid token' }, 'E_AUTH'],
    [403, { detail: 'Authentication credentials were not provided.' }, 'E_AUTH'],
    [403, { detail: 'You do not have permission to perform this action.' }, 'E_FORBIDDEN'],
    [403, { message: 'API rate limit exceeded for 1.2.3.4.' }, 'E_RATE_LIMIT'],
    [404, { message: 'Not Found' }, 'E_NOT_FOUND'],
    [410, {}, 'E_NOT_FOUND'],
    [422, { errorMessages: ['The value is invalid'] }, 'E_CLIENT'],
    [503, {}, 'E_SERVER'],
  ])('%i %j is %s', (status, body, code) => {
    const error = errorForResponse(response(status, body), new Redactor(), Date.now());
    expect(error?.code).toBe(code);
    expect(error?.status).toBe(status);
  });

  it('quotes the provider message and the redacted request', () => {
    const error = errorForResponse(
      response(422, { errorMessages: ['The value is invalid'] }),
      new Redactor(),
      0,
    );
    expect(error?.message).toBe(
      'request rejected: 422 "The value is invalid" (GET https://api.example.com/x)',
    );
  });

  it('is undefined for success', () => {
    expect(errorForResponse(response(200, {}), new Redactor(), 0)).toBeUndefined();
  });
});
