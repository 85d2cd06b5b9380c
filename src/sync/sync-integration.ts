import type { SyncSummary } from './engine.js';
import { type OpenOptions, openIntegration, type RunOptions } from './open-integration.js';

export interface SyncIntegrationOptions extends OpenOptions, RunOptions {}

/**
 * `inlet sync` as a function: open the integration (everything checked before any request),
 * then read every kind into the catalog.
 * @example const summary = await syncIntegration('integrations/github', { set: ['orgs=acme'] });
 */
export async function syncIntegration(
  path: string,
  options: SyncIntegrationOptions = {},
): Promise<SyncSummary> {
  const integration = await openIntegration(path, options);
  try {
    return await integration.sync(options);
  } finally {
    await integration.close();
  }
}
