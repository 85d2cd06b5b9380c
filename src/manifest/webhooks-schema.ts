/**
 * The manifest's `webhooks` block (docs/webhooks.md, manifest §7): where deliveries arrive, how
 * they are verified and de-duplicated, which kind each one updates, and (shape only here) how the
 * provider is told to send them. jq fields are compiled by the webhook layer (src/webhooks/events.ts).
 */
import { z } from 'zod';
import type { ConfigIssue } from '../errors/errors.js';
import { registerSchema } from './register-schema.js';
import { type FieldPath, issueAt, type YamlSource } from './yaml-source.js';

/** `webhooks.maxBodySize` when absent: 5 MiB. */
export const DEFAULT_MAX_BODY_SIZE = 5 * 1024 * 1024;

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]|[bB])?\s*$/;
/** Larger bodies are held in memory whole; past 1 GiB that is a mistake, not a setting. */
const MAX_SIZE = 1024 ** 3;

/**
 * `5MiB`, `512KiB`, `1MB`, `100kB`, `2048B` or a number of bytes, as bytes.
 * @example parseSize('5MiB') // 5242880
 */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = SIZE.exec(value);
  if (!match) return Number.NaN;
  return Math.floor(Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? Number.NaN));
}

const size = z
  .union([z.number().int().positive(), z.string().regex(SIZE, { error: notSize })])
  .transform((value) => parseSize(value))
  .check((ctx) => {
    if (!(ctx.value >= 1 && ctx.value <= MAX_SIZE)) {
      ctx.issues.push({ code: 'custom', message: 'must be between 1B and 1GiB', input: ctx.value });
    }
  });

function notSize(iss: { input?: unknown }): string {
  return `"${String(iss.input)}" is not a size (use 5MiB, 512KiB, 1MB or a number of bytes)`;
}

const jq = z.string().min(1);
const header = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'must be an HTTP header name' });
/** Left optional in the shape so a missing secret gets its own message (webhookIssues). */
const secret = z.string().optional();

const verify = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hmac-sha256'), header, prefix: z.string().optional(), secret }),
  z.strictObject({ type: z.literal('hmac-sha1'), header, prefix: z.string().optional(), secret }),
  /** A shared secret sent verbatim in `header` (Octopus subscriptions, RapidPro flows). */
  z.strictObject({ type: z.literal('header'), header, secret }),
  z.strictObject({ type: z.literal('none') }),
]);

const event = z.strictObject({
  /** jq over `{headers, body}` (header names lower-case); the first entry giving `true` decides the kind. */
  when: jq,
  kind: z.string().min(1),
  /** jq: the record to map with the kind's mapping. */
  record: jq,
  /** jq: `true` deletes the mapped entities instead. @default false */
  delete: jq.optional(),
  /** jq: orders deliveries of one entity; an older one never overwrites newer state. */
  order: jq.optional(),
});

/** `webhooks` in inlet.yaml. */
export const webhooksSchema = z.strictObject({
  /** Where deliveries are POSTed, e.g. `/webhooks/github`. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, { error: 'must be a URL path starting with /' }),
  /** Larger deliveries are answered 413 and not stored. @default 5MiB */
  maxBodySize: size.optional(),
  verify,
  /** Without it, a delivery's id is the SHA-256 of its body. */
  deliveryId: z.strictObject({ header }).optional(),
  events: z.array(event).min(1),
  /** Make sure the provider sends the deliveries (src/webhooks/register.ts). */
  register: registerSchema.optional(),
});

export type WebhooksSpec = z.output<typeof webhooksSchema>;
export type EventSpec = WebhooksSpec['events'][number];

/**
 * Cross-field rules of `webhooks`: each event's kind is a resource, and a `verify` that checks
 * something has a secret (verification fails closed; `type: none` is the explicit opt-out).
 */
export function webhookIssues(
  webhooks: WebhooksSpec | undefined,
  kinds: readonly string[],
  source?: YamlSource,
): ConfigIssue[] {
  if (!webhooks) return [];
  const found: Array<{ path: FieldPath; message: string; code: string }> = [];
  webhooks.events.forEach((entry, index) => {
    if (!kinds.includes(entry.kind)) {
      found.push({
        path: ['webhooks', 'events', index, 'kind'],
        message: `unknown kind "${entry.kind}" (resources has: ${kinds.join(', ')})`,
        code: 'unknown_kind',
      });
    }
  });
  const { verify } = webhooks;
  if (verify.type !== 'none' && (verify.secret === undefined || verify.secret.trim() === '')) {
    found.push({
      path: ['webhooks', 'verify', 'secret'],
      message: `verify type ${verify.type} needs a secret, e.g. "{config.webhookSecret}" (type: none accepts unsigned deliveries)`,
      code: 'verify_secret',
    });
  }
  return found.map(({ path, message, code }) => issueAt(source, path, message, code));
}
