/**
 * `webhooks.events` compiled into one matcher (docs/webhooks.md, "Events"): every entry's `when`,
 * `record`, `delete` and `order` are evaluated by ONE program per delivery. When every program is a
 * plain form the JS fast path knows (`.headers["x-github-event"] == "pull_request"`, `.body.x`), no
 * jq runs at all; otherwise one jq call runs on the jq worker thread under a time limit, so a
 * hostile payload or program cannot hang the server.
 */
import { ConfigError, type ConfigIssue, isInletError, ResponseError } from '../errors/errors.js';
import type { EventSpec } from '../manifest/webhooks-schema.js';
import { compileFast, type FastFn } from '../mapping/fast-path.js';
import { checkJq, jqInput, jqOutcome, varNames, wrapProgram } from '../mapping/jq.js';
import { JqRunner, JqRunTimeout } from '../mapping/jq-worker.js';
import type { EventMatcher, MatchedEvent, WebhookDelivery } from './types.js';

export interface CompileEventsOptions {
  /** File and line of a field path (`LoadedManifest.locate`), so jq issues point at the line. */
  locate?: (path: string) => { file: string; line: number };
  /** Longest one delivery's jq run may take. @default 5000 */
  timeoutMs?: number;
}

/** An EventMatcher that owns a jq thread (when one is needed): `close()` ends it. */
export interface CompiledEvents extends EventMatcher {
  close(): Promise<void>;
}

const FIELDS = ['when', 'record', 'delete', 'order'] as const;

/**
 * Compile `events`; a program that does not compile is a ConfigError naming
 * `webhooks.events[i].<field>` (with file and line given `locate`).
 * @example
 * const events = await compileEvents(manifest.webhooks.events, { locate: loaded.locate });
 * await events.match({ headers: { 'x-github-event': 'pull_request' }, body }); // { kind: 'pull-request', … }
 */
export async function compileEvents(
  events: readonly EventSpec[],
  options: CompileEventsOptions = {},
): Promise<CompiledEvents> {
  const names = varNames([]);
  const issues: ConfigIssue[] = [];
  for (const [index, entry] of events.entries()) {
    for (const field of FIELDS) {
      const program = entry[field];
      if (program === undefined) continue;
      const path = `webhooks.events[${index}].${field}`;
      try {
        await checkJq(program, path, names);
      } catch (error) {
        if (!isInletError(error, 'E_CONFIG')) throw error;
        for (const issue of (error as ConfigError).issues) {
          issues.push({ ...issue, path, ...options.locate?.(path) });
        }
      }
    }
  }
  if (issues.length > 0) throw ConfigError.of(issues);
  const fast = fastMatcher(events);
  if (fast) return { match: async (delivery) => fast(delivery), close: async () => {} };
  return jqMatcher(events, options.timeoutMs ?? 5000);
}

interface FastEntry {
  when: FastFn;
  record: FastFn;
  delete?: FastFn;
  order?: FastFn;
}

/** The matcher in JS, when every program of every entry is on the fast path; else null. */
function fastMatcher(
  events: readonly EventSpec[],
): ((d: WebhookDelivery) => MatchedEvent | undefined) | null {
  const compiled: FastEntry[] = [];
  for (const entry of events) {
    const fns = FIELDS.map((field) => (entry[field] === undefined ? undefined : compileFast(entry[field])));
    if (fns.some((fn, i) => fn === null && entry[FIELDS[i] as (typeof FIELDS)[number]] !== undefined)) {
      return null;
    }
    const [when, record, del, order] = fns as Array<FastFn | undefined>;
    compiled.push({ when: when as FastFn, record: record as FastFn, delete: del, order });
  }
  return (delivery) => {
    const input = { headers: delivery.headers, body: delivery.body ?? null };
    for (const [index, entry] of compiled.entries()) {
      // As in jq below: an error in `when` is false, in `record`/`order` null.
      if (entry.when(input, {}) !== true) continue;
      return matched(
        index,
        events[index] as EventSpec,
        entry.record(input, {}) ?? null,
        entry.delete?.(input, {}) === true,
        entry.order?.(input, {}),
      );
    }
    return undefined;
  };
}

/** `try (p) catch <fallback>`, first output only (null when there is none). */
const first = (program: string, fallback: string) => `([try (${program}\n) catch ${fallback}] | .[0])`;

/**
 * One jq program for all entries: the first entry whose `when` is true gives
 * `[index, record, delete, order]`; no match gives null.
 */
function buildProgram(events: readonly EventSpec[]): string {
  const branches = events.map((entry, index) => {
    const record = first(entry.record, 'null');
    const del = entry.delete ? `(${first(entry.delete, 'false')} == true)` : 'false';
    const order = entry.order ? first(entry.order, 'null') : 'null';
    return `if (${first(entry.when, 'false')} == true) then [${index}, ${record}, ${del}, ${order}]`;
  });
  return `${branches.join(' el')} else null end`;
}

function jqMatcher(events: readonly EventSpec[], timeout: number): CompiledEvents {
  const runner = new JqRunner();
  const program = wrapProgram(buildProgram(events), varNames([]));
  return {
    async match(delivery) {
      const input = jqInput({ headers: delivery.headers, body: delivery.body ?? null }, { parent: null });
      let raw: Awaited<ReturnType<JqRunner['run']>>;
      try {
        raw = await runner.run(input, program, { timeout });
      } catch (error) {
        if (error instanceof JqRunTimeout) {
          throw new ResponseError(`webhooks.events: jq did not finish within ${timeout} ms`);
        }
        throw error;
      }
      if (raw.crash !== undefined) throw new ResponseError(`webhooks.events: jq stopped: ${raw.crash}`);
      const outcome = jqOutcome(raw);
      if (!outcome.ok) throw new ResponseError(`webhooks.events: jq: ${outcome.message}`);
      const result = outcome.outputs[0];
      if (!Array.isArray(result)) return undefined;
      const [index, record, del, order] = result as [number, unknown, boolean, unknown];
      return matched(index, events[index] as EventSpec, record, del, order);
    },
    close: () => runner.close(),
  };
}

function matched(
  index: number,
  entry: EventSpec,
  record: unknown,
  del: boolean,
  order: unknown,
): MatchedEvent {
  const event: MatchedEvent = { index, kind: entry.kind, record, delete: del };
  if (typeof order === 'string' || typeof order === 'number') event.order = order;
  return event;
}
