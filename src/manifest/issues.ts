/**
 * Turns zod issues into one-line, field-path-first messages (manifest contract: an error names the
 * file, the field path and the line).
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors/errors.js';
import { type FieldPath, issueAt, type YamlSource } from './yaml-source.js';

interface Located {
  path: FieldPath;
  message: string;
}

/** Every zod issue located in `source` (zod's code kept), in document order of the issues. */
export function configIssues(issues: readonly z.core.$ZodIssue[], source: YamlSource): ConfigIssue[] {
  return issues.flatMap((issue) =>
    describe(issue).map(({ path, message }) => issueAt(source, path, message, issue.code)),
  );
}

function describe(issue: z.core.$ZodIssue): Located[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"` }));
    case 'invalid_union': {
      const union = issue as { discriminator?: string; options?: unknown[] };
      if (union.discriminator !== undefined) {
        const label = String(path[path.length - 2] ?? 'value');
        const value = valueAt(issue);
        const expected = union.options?.map(String).join(', ');
        if (value === undefined)
          return [{ path, message: `${label} type is required (expected ${expected})` }];
        return [{ path, message: `unknown ${label} type ${JSON.stringify(value)} (expected ${expected})` }];
      }
      // A union of scalar shapes (a duration, a query value): report the first branch's complaint.
      const first = issue.errors[0]?.[0];
      if (first) {
        const inner = describe({ ...first, path: [...path, ...first.path] } as z.core.$ZodIssue);
        if (inner.length > 0) return inner;
      }
      return [{ path, message: issue.message }];
    }
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path, message: 'is required' }];
      return [{ path, message: `expected ${issue.expected}, got ${kindOf(issue.input)}` }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      return [{ path, message: `invalid key: ${inner ? lower(inner.message) : issue.message}` }];
    }
    case 'invalid_value':
      return [
        {
          path,
          message: `${JSON.stringify(issue.input)} is not one of ${issue.values.map(String).join(', ')}`,
        },
      ];
    default:
      return [{ path, message: lower(issue.message) }];
  }
}

/** The discriminator value: zod reports either the object holding `type` or the value itself. */
function valueAt(issue: z.core.$ZodIssue): unknown {
  const input = issue.input;
  if (input && typeof input === 'object') return (input as { type?: unknown }).type;
  return input;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function lower(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
