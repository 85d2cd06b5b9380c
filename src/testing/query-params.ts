import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/**
 * An integer query parameter, `fallback` when absent; 400 when it is not an integer in [min, max].
 * @example const page = intParam(c, 'page', 1, 1);
 */
export function intParam(
  c: Context,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new HTTPException(400, {
      message: `${name} must be an integer between ${min} and ${max}, got "${text}"`,
    });
  }
  return value;
}
