import { ConfigError } from '../errors/errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse `250ms`, `30s`, `15m`, `1h`, `1d` or a number of milliseconds (manifest §3).
 * @example parseDuration('15m') // 900000
 */
export function parseDuration(value: string | number, field = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(value));
  if (!match) {
    throw new ConfigError(`${field}: "${value}" is not a duration (use 250ms, 30s, 15m, 1h or milliseconds)`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

/** Human form of a wait, for messages: `2h 5m`, `45s`, `300ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', rest && !h ? `${rest}s` : ''].filter(Boolean).join(' ') || '0s';
}

/** Largest time limit accepted (`timeout`, `deadline`, `mapping.timeout`): 1 h; 0 would mean none. */
export const MAX_TIME_LIMIT = 3_600_000;
/** Largest wait or window accepted (`retry.maxWait`, `retry.backoff`, `rateLimit.per`): 30 days. */
export const MAX_WAIT = 30 * 86_400_000;

/**
 * Why `ms` is out of bounds for its kind of duration, or undefined when it is fine: a time limit
 * must be above 0 and at most 1 h, a wait at most 30 days (a longer one is almost surely a unit
 * mistake, and setTimeout cannot hold it in one timer anyway).
 * @example durationProblem(0, 'limit') // 'must be more than 0 (a time limit of 0 would never end)'
 */
export function durationProblem(ms: number, kind: 'limit' | 'wait'): string | undefined {
  if (kind === 'limit' && ms <= 0) return 'must be more than 0 (a time limit of 0 would never end)';
  const max = kind === 'limit' ? MAX_TIME_LIMIT : MAX_WAIT;
  if (ms > max) return `must be at most ${kind === 'limit' ? '1h' : '30d'} (got ${formatDuration(ms)})`;
  return undefined;
}

/** parseDuration, then durationProblem as a ConfigError naming `field`. */
export function parseBoundedDuration(value: string | number, field: string, kind: 'limit' | 'wait'): number {
  const ms = parseDuration(value, field);
  const problem = durationProblem(ms, kind);
  if (problem) throw new ConfigError(`${field}: ${problem}`);
  return ms;
}
