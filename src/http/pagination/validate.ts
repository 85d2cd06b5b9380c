import { ConfigError } from '../../errors/errors.js';

/** A required query-parameter name such as `paginate.param`. */
export function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`paginate.${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** An optional query-parameter name such as `paginate.limitParam`. */
export function optionalName(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : requireName(value, field);
}

/** An optional whole number of at least `min`, such as `paginate.limit` (min 1) or `paginate.start` (min 0). */
export function optionalInteger(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`paginate.${field} must be a whole number >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A short description of a value's shape for messages; never the value itself (it may be a secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
