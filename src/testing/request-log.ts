import type { Context, MiddlewareHandler } from 'hono';
import { type Clock, systemClock } from '../http/clock.js';

/** One request as the server received it. */
export interface RecordedRequest {
  /** The `x-request-id` the response carried. */
  id: string;
  method: string;
  /** Path and query, e.g. `/api/link/items?page=2`. */
  url: string;
  /** Lower-case names, as received. */
  headers: Record<string, string>;
  /** Clock time (ms) when the request arrived. */
  at: number;
  /** Set once the handler has answered. */
  status?: number;
  /** The injected fault kind, when one was injected. */
  fault?: string;
}

/**
 * Records every request and stamps every response with `x-request-id`. Other middleware
 * annotate the current request through `markFault` / `markViolation` so one log serves
 * fault injection, rate limiting and credential checks alike.
 * @example const log = new RequestLog(clock); app.use('*', log.middleware);
 */
export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  /** Requests received while the server had announced a block (exhausted budget or running Retry-After). */
  readonly violations: RecordedRequest[] = [];
  readonly #clock: Clock;
  readonly #byRequest = new WeakMap<Request, RecordedRequest>();
  #seq = 0;

  /** @param clock default systemClock */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  readonly middleware: MiddlewareHandler = async (c, next) => {
    const url = new URL(c.req.url);
    const record: RecordedRequest = {
      id: `req-${++this.#seq}`,
      method: c.req.method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(c.req.raw.headers),
      at: this.#clock.now(),
    };
    this.requests.push(record);
    this.#byRequest.set(c.req.raw, record);
    c.header('x-request-id', record.id);
    await next();
    record.status = c.res.status;
  };

  markFault(c: Context, kind: string): void {
    const record = this.#byRequest.get(c.req.raw);
    if (record) record.fault = kind;
  }

  markViolation(c: Context): void {
    const record = this.#byRequest.get(c.req.raw);
    if (record) this.violations.push(record);
  }

  /** Empty both lists in place, so references held by tests stay valid. */
  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }
}
