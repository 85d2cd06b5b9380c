/**
 * Octopus's error responses: a JSON body `{ "ErrorMessage": "...", "Errors": [...] }`
 * (https://octopus.com/docs/octopus-rest-api), and the rate-limit shapes the simulator uses.
 * Octopus documents no rate limit for self-hosted servers; Octopus Cloud may answer 429 or 503
 * with `Retry-After`, so those are the simulator's rate-limit faults.
 */
import type { MiddlewareHandler } from 'hono';

export interface OctopusError {
  ErrorMessage: string;
  Errors: string[];
  ParsedHelpLinks?: string[];
  HelpText?: string;
  Details?: unknown;
}

export function octopusError(message: string, errors: string[] = [], helpText?: string): OctopusError {
  return { ErrorMessage: message, Errors: errors, ...(helpText ? { HelpText: helpText } : {}) };
}

export const UNAUTHORIZED = octopusError(
  'You must be logged in to perform this action. Please provide a valid API key or log in again.',
);

export function forbidden(permission: string): OctopusError {
  return octopusError(
    `You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: ${permission}`,
    [],
    'The API key is valid, but its user is not granted this permission in the space.',
  );
}

export function notFound(what: string): OctopusError {
  return octopusError(`The resource '${what}' was not found.`);
}

/**
 * Gives the shared fault injector's responses Octopus's shape: its 429s (GitHub's body) and 503s
 * (no Retry-After) become Octopus Cloud's 429 / 503 with `Retry-After` and an ErrorMessage body,
 * and its 500 the server's ErrorMessage. Mount it before the fault injector.
 * @example app.use('/api/*', octopusFaultShape(1)); app.use('/api/*', faults.middleware);
 */
export function octopusFaultShape(retryAfterSeconds: number): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status === 429) {
      const retryAfter = c.res.headers.get('retry-after') ?? String(retryAfterSeconds);
      c.res = reply(status, retryAfter, 'Too many requests. Please retry after the time in Retry-After.');
    } else if (status === 503) {
      c.res = reply(
        status,
        String(retryAfterSeconds),
        'The Octopus Server is temporarily unavailable. Please retry after the time in Retry-After.',
      );
    } else if (status === 500 && c.res.headers.get('content-type')?.includes('json')) {
      c.res = Response.json(octopusError('An unexpected error occurred in Octopus.'), { status });
    }
  };
}

/** After next() the response is finalized: replace it (Hono ignores a returned Response then). */
function reply(status: number, retryAfter: string, message: string): Response {
  return Response.json(octopusError(message), { status, headers: { 'retry-after': retryAfter } });
}
