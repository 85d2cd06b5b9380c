import type { Random } from './clock.js';

// 2^52 keeps `initial * 2^n` finite; any realistic `max` is reached long before.
const MAX_EXPONENT = 52;

/**
 * Delay before retrying after failed attempt `attempt` (1-based): exponential backoff with full jitter,
 * `random() * min(max, initial * 2^(attempt - 1))` (AWS Architecture Blog, "Exponential Backoff And Jitter").
 * Rounded to whole ms and floored at 1 ms: full jitter may draw 0, and a zero sleep would retry in the
 * same tick; 1 ms keeps the distribution intact while always yielding. The attempt cap bounds the count.
 * @example backoffDelay(3, { initial: 500, max: 60_000 }, Math.random) // uniform in [1, 2000]
 */
export function backoffDelay(
  attempt: number,
  backoff: { initial: number; max: number },
  random: Random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, MAX_EXPONENT);
  const ceiling = Math.min(backoff.max, backoff.initial * 2 ** exponent);
  return Math.max(1, Math.round(random() * ceiling));
}
