import { isInletError } from '../errors/errors.js';
import type { Logger } from '../http/log.js';
import { type RegisterTarget, registerWebhooks, registrationLine } from './register.js';

/**
 * `inlet serve --public-url`'s registration at start (fits ServeOptions.register.run): run
 * `webhooks.register` once and log each result; a missing right, or registration failing (the
 * provider down, a hook list that never ends), is a warning and the server goes on receiving.
 * @example await registerAtStart({ integration, publicUrl: 'https://hooks.example.com', logger });
 */
export async function registerAtStart(context: {
  integration: RegisterTarget;
  publicUrl: string;
  logger?: Logger;
  signal?: AbortSignal;
}): Promise<void> {
  const { integration, logger } = context;
  try {
    const results = await registerWebhooks(integration, {
      publicUrl: context.publicUrl,
      signal: context.signal,
    });
    for (const result of results) {
      const line = `webhook registration ${integration.name} ${registrationLine(result)}`;
      if (result.status === 'missing-right') logger?.warn(line);
      else logger?.info(line);
    }
  } catch (error) {
    if (context.signal?.aborted) return;
    const line = isInletError(error) ? error.toLine() : String((error as Error).message ?? error);
    logger?.warn(`webhook registration ${integration.name} failed, deliveries may not arrive: ${line}`);
  }
}
