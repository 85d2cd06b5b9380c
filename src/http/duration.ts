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
