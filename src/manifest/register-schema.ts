/**
 * The shape of `webhooks.register` (README "Webhook registration"; manifest §7): a request to ask
 * whether we may register, one to list the provider's hooks, one to create ours. The `webhooks`
 * schema uses it for `register`; src/webhooks/register.ts parses with it too, so registration runs
 * the same whichever schema loaded the manifest.
 */
import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'must be a name of letters, digits, _ and -' });
const queryMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const jq = z.string().min(1);
const stringMap = z.record(z.string(), z.string());

/** Same shape as a resource's `paginate` (§4); checked in full by the HTTP layer's createPaginator. */
const paginate = z.looseObject({ type: z.string().min(1), maxPages: z.number().int().positive().optional() });

const entry = z.strictObject({
  /** A template: the entry applies when it renders non-empty (like `connection.auth` entries). */
  when: z.string().optional(),
  /** The right registration needs, named when it is missing (e.g. `admin:org_hook on {org}`). */
  right: z.string().min(1).optional(),
  for: z.record(identifier, z.union([z.string(), z.array(z.union([z.string(), z.number()]))])).optional(),
  check: z
    .strictObject({
      path: z.string().min(1),
      query: queryMap.optional(),
      headers: stringMap.optional(),
      ok: jq,
    })
    .optional(),
  list: z.strictObject({
    path: z.string().min(1),
    query: queryMap.optional(),
    headers: stringMap.optional(),
    /** jq giving the page's hooks as an array. @default . */
    records: jq.optional(),
    /** jq giving a hook's URL; absent when every listed hook is ours (one URL per app, as Jira's dynamic webhooks). */
    url: jq.optional(),
    paginate: paginate.optional(),
  }),
  create: z.strictObject({
    method: z.enum(['POST', 'PUT', 'PATCH']).optional(),
    path: z.string().min(1),
    query: queryMap.optional(),
    headers: stringMap.optional(),
    body: z.unknown().optional(),
  }),
});

/** `webhooks.register`: one entry, or a list whose first entry with a non-empty `when` applies. */
export const registerSchema = z.union([entry, z.array(entry).min(1)]);

export type RegisterEntry = z.output<typeof entry>;
