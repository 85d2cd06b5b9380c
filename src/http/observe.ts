import { isInletError } from '../errors/errors.js';
import type { Clock } from './clock.js';
import type { EventSink, Policy } from './types.js';

/** Reports every attempt that reaches the wire (method, URL, status or error, duration) as a `request` event. */
export function observePolicy(onEvent: EventSink, clock: Clock): Policy {
  return (next) => async (req) => {
    const started = clock.now();
    const base = { type: 'request' as const, method: req.method, url: req.url, attempt: req.attempt ?? 1 };
    try {
      const res = await next(req);
      onEvent({ ...base, status: res.status, durationMs: clock.now() - started });
      return res;
    } catch (error) {
      const code = isInletError(error) ? error.code : 'E_ABORTED';
      onEvent({ ...base, error: code, durationMs: clock.now() - started });
      throw error;
    }
  };
}
