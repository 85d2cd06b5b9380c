import { isInletError, ResponseError } from '../errors/errors.js';
import type { Client, QueryValue } from '../http/client.js';
import type { ResourceSpec } from '../manifest/schema.js';
import { renderDeep, renderTemplate, type TemplateScope } from '../manifest/template.js';

/**
 * Reads the full record behind a webhook's reference with the kind's `get` (Octopus subscriptions
 * send ids, not documents). `fetch` answers `null` when the API says 404/410: the record is gone.
 */
export interface RecordFetcher {
  /** Whether the kind has a resource-level `get`. */
  has(kind: string): boolean;
  fetch(kind: string, reference: unknown, signal?: AbortSignal): Promise<Record<string, unknown> | null>;
}

/**
 * A fetcher over the integration's connection: `get.path` and `get.query` render with
 * `{record.x}` (the event's record) and `{config.x}`; path values are URL-encoded.
 * @example
 * const fetcher = recordFetcher(loaded.manifest.resources, client, loaded.settings.values);
 */
export function recordFetcher(
  resources: Record<string, Pick<ResourceSpec, 'get'>>,
  client: Pick<Client, 'get'>,
  config: Record<string, unknown>,
): RecordFetcher {
  return {
    has: (kind) => resources[kind]?.get !== undefined,
    fetch: async (kind, reference, signal) => {
      const get = resources[kind]?.get;
      if (!get) throw new ResponseError(`kind ${kind} has no get`, { kind });
      const scope: TemplateScope = { config, vars: { record: reference } };
      const path = renderTemplate(get.path, scope, { encodePath: true });
      const query = get.query && (renderDeep(get.query, scope) as Record<string, QueryValue>);
      try {
        const response = await client.get(path, { query, signal });
        const data = response.data;
        if (data === null || typeof data !== 'object' || Array.isArray(data)) {
          throw new ResponseError(`get for kind ${kind} answered ${describe(data)}, not a JSON object`, {
            kind,
            method: 'GET',
            url: response.url,
            status: response.status,
          });
        }
        return data as Record<string, unknown>;
      } catch (error) {
        if (isInletError(error, 'E_NOT_FOUND')) return null;
        throw error;
      }
    },
  };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value;
}
