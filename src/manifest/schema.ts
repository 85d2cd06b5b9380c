/**
 * The manifest's zod schema (manifest contract §1–§7): the single source of the validator, the
 * TypeScript types and the published JSON Schema. Objects are strict: an unknown key is an error.
 */
import { z } from 'zod';
import { durationProblem, parseDuration } from '../http/duration.js';
import { webhooksSchema } from './webhooks-schema.js';

const DURATION = /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d)?\s*$/;

const notDuration = (iss: { input?: unknown }): string =>
  `"${String(iss.input)}" is not a duration (use 250ms, 30s, 15m, 1h or milliseconds)`;
/** `250ms`, `30s`, `15m`, `1h` or a number of milliseconds; parsed to milliseconds. */
const duration = z
  .union([z.number().nonnegative(), z.string().regex(DURATION, { error: notDuration })])
  .transform((value) => parseDuration(value));
/** A duration bounded as durationProblem says (README, "Durations"). */
const bounded = (kind: 'limit' | 'wait') =>
  duration.check((ctx) => {
    const problem = durationProblem(ctx.value, kind);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
/** A time limit: above 0, at most 1 h. */
const timeLimit = bounded('limit');
/** A wait or a window: at most 30 days. */
const wait = bounded('wait');

const name = z
  .string()
  .regex(/^[a-z0-9-]+$/, { error: 'must match [a-z0-9-]+ (lower-case letters, digits, dashes)' });
/** Kinds and setting keys appear in dotted field paths and `{config.x}` placeholders, so no dots or braces. */
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'must be a name of letters, digits, _ and -' });
const stringMap = z.record(z.string(), z.string());
/** Query values may be numbers or booleans in YAML (`per_page: 100`). */
const queryMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
/** A jq program (compiled by the mapping layer). */
const jq = z.string().min(1);

const setting = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'list', 'url', 'secret']),
  env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  default: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))])
    .optional(),
  required: z.boolean().optional(),
  enum: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
  description: z.string().optional(),
});

const when = z.string().optional();

const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none'), when }),
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1), when }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string(), when }),
  z.strictObject({
    type: z.literal('apiKey'),
    name: z.string().min(1),
    in: z.enum(['header', 'query']),
    value: z.string().min(1),
    prefix: z.string().optional(),
    when,
  }),
  z.strictObject({
    type: z.literal('oauth2'),
    tokenUrl: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    grant: z.enum(['client_credentials', 'refresh_token']),
    refreshToken: z.string().optional(),
    scopes: z.array(z.string()).optional(),
    when,
  }),
]);

const rateLimitEntry = z.strictObject({
  requests: z.number().int().positive().optional(),
  per: wait.optional(),
  headers: z.strictObject({ remaining: z.string().min(1), reset: z.string().min(1) }).optional(),
  /** Keep `requests`/`per` as a ceiling even while the server reports a larger quota. */
  strict: z.boolean().optional(),
  /** Pace the server's remaining quota evenly until its reset (for APIs that punish bursts). */
  spread: z.boolean().optional(),
  when,
});

const retry = z.strictObject({
  attempts: z.number().int().min(1).optional(),
  statuses: z.array(z.number().int().min(100).max(599)).optional(),
  backoff: z.strictObject({ initial: wait.optional(), max: wait.optional() }).optional(),
  maxWait: wait.optional(),
});

const connection = z.strictObject({
  baseUrl: z.string().min(1),
  headers: stringMap.optional(),
  /** One auth, or a list whose first entry with a non-empty `when` applies (e.g. OAuth, else Basic). */
  auth: z.union([auth, z.array(auth).min(1)]).optional(),
  /** Per request: the wait for the headers, and for each gap in the body. @default 30s */
  timeout: timeLimit.optional(),
  /** Per response: from sending the request to the body's last byte, however it trickles. @default 5m */
  deadline: timeLimit.optional(),
  concurrency: z.number().int().positive().optional(),
  rateLimit: z.union([rateLimitEntry, z.array(rateLimitEntry).min(1)]).optional(),
  retry: retry.optional(),
  allowInsecure: z.boolean().optional(),
  /** `inlet check`'s one cheap authenticated request; default: the first page of the first top-level kind. */
  check: z.strictObject({ path: z.string().min(1), query: queryMap.optional() }).optional(),
});

const maxPages = z.number().int().positive().optional();
const paginate = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none'), maxPages }),
  z.strictObject({ type: z.literal('link'), rel: z.string().min(1).optional(), maxPages }),
  z.strictObject({ type: z.literal('nextUrl'), path: jq, maxPages }),
  z.strictObject({ type: z.literal('cursor'), param: z.string().min(1), path: jq, maxPages }),
  z.strictObject({
    type: z.literal('offset'),
    param: z.string().min(1),
    limitParam: z.string().min(1),
    limit: z.number().int().positive(),
    start: z.number().int().nonnegative().optional(),
    total: jq.optional(),
    maxPages,
  }),
  z.strictObject({
    type: z.literal('page'),
    param: z.string().min(1),
    start: z.number().int().nonnegative().optional(),
    limitParam: z.string().min(1).optional(),
    limit: z.number().int().positive().optional(),
    last: jq.optional(),
    maxPages,
  }),
]);

const request = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  path: z.string().min(1),
  query: queryMap.optional(),
  headers: stringMap.optional(),
  body: z.unknown().optional(),
});

const resource = z.strictObject({
  for: z.record(identifier, z.union([z.string(), z.array(z.union([z.string(), z.number()]))])).optional(),
  parent: identifier.optional(),
  request,
  paginate: paginate.optional(),
  records: jq.optional(),
  maxItems: z.number().int().positive().optional(),
  /** Stop each request chain after this many records (with a warning), e.g. the last N releases per project. */
  /**
   * A template; when it renders non-empty the kind reads only a subset (e.g. a date window), so its
   * blueprints are not reconciled and nothing of them is deleted as stale.
   */
  partial: z.string().optional(),
  /** A number, or a template such as `"{config.maxHistory}"` rendering to one. */
  maxItemsPerChain: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
  /** `true` lets a POST be retried (§3: only idempotent methods otherwise); an object overrides connection.retry. */
  retry: z.union([z.boolean(), retry]).optional(),
  incremental: z
    .strictObject({
      cursor: jq,
      param: z.string().min(1),
      initial: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
  /** Webhooks carrying a reference read the full record with one GET; `{record.x}` is the reference. */
  get: z.strictObject({ path: z.string().min(1), query: queryMap.optional() }).optional(),
});

const mappingResource = z.strictObject({
  kind: z.string().min(1),
  selector: z.strictObject({ query: jq.optional() }).optional(),
  port: z.strictObject({
    itemsToParse: jq.optional(),
    entity: z.strictObject({
      mappings: z.strictObject({
        identifier: jq,
        title: jq.optional(),
        blueprint: jq,
        properties: z.record(z.string(), jq).optional(),
        relations: z.record(z.string(), jq).optional(),
      }),
    }),
  }),
});

/** `mapping` in inlet.yaml or the integration's own `mapping.yml` (port-app-config shape, §6). */
export const mappingSchema = z.strictObject({
  /** Longest one page's jq run may take; past it the kind fails with E_MAPPING. @default 30s */
  timeout: timeLimit.optional(),
  deleteStaleEntities: z.boolean().optional(),
  deletionThreshold: z.number().min(0).max(1).optional(),
  resources: z.array(mappingResource),
});

/** The whole `inlet.yaml`. */
export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  name,
  title: z.string().optional(),
  config: z.record(identifier, setting).optional(),
  connection,
  resources: z.record(identifier, resource),
  mapping: mappingSchema.optional(),
  webhooks: webhooksSchema.optional(),
});

/** A validated manifest: durations are milliseconds. */
export type Manifest = z.output<typeof manifestSchema>;
export type Setting = z.output<typeof setting>;
export type ResourceSpec = z.output<typeof resource>;
export type MappingSpec = z.output<typeof mappingSchema>;
