import type { Client } from '../http/client.js';
import type { Integration } from '../sync/open-integration.js';
import { recordFetcher } from './fetch-record.js';
import type { ApplierDeps } from './types.js';

/**
 * What the applier takes from an opened integration: its mapper, a `get` fetcher over `client` (the
 * integration's connection, closed by the caller) and the client's redactor for stored errors.
 * @example
 * const client = github.connect({ logger });
 * const applier = startApplier({ integration: github.name, store, events, ...integrationApplyDeps(github, client) });
 */
export function integrationApplyDeps(
  integration: Pick<Integration, 'loaded' | 'mapper'>,
  client: Pick<Client, 'get' | 'redactor'>,
): Pick<ApplierDeps, 'mapper' | 'fetcher' | 'redact'> {
  const { manifest, settings } = integration.loaded;
  return {
    mapper: integration.mapper,
    fetcher: recordFetcher(manifest.resources, client, settings.values),
    redact: (text) => client.redactor.text(text),
  };
}
