import type { RunningSimulator } from '../../../integrations/registry.js';
import { ConfigError } from '../../errors/errors.js';
import { sendDelivery } from '../../testing/webhook-sender.js';
import type { CliIo } from '../common.js';

/**
 * `inlet mock <name> --send-webhooks URL`: make `--webhook-changes` changes to the simulator's data,
 * one a second, POSTing each change's delivery to URL and printing the receiver's answer. The
 * simulator serves the changed data at once, so a sync afterwards agrees with what was delivered.
 */
export async function sendWebhooks(
  simulator: RunningSimulator,
  url: string,
  flags: { webhookSecret?: string; webhookChanges: string },
  io: CliIo,
): Promise<void> {
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`--send-webhooks: "${url}" is not an http(s) URL`);
  const count = Number(flags.webhookChanges);
  if (!Number.isInteger(count) || count < 0) {
    throw new ConfigError(`--webhook-changes: "${flags.webhookChanges}" is not a whole number`);
  }
  if (!simulator.change) throw new ConfigError('--send-webhooks: this simulator makes no webhook changes');
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    const change = simulator.change({ secret: flags.webhookSecret });
    try {
      const answer = await sendDelivery(url, change.delivery);
      io.stdout(`webhook: ${change.description}: ${answer.status} ${answer.body.slice(0, 200)}\n`);
    } catch (error) {
      // A receiver not yet up is reported, not fatal: the simulator keeps serving.
      io.stdout(`webhook: ${change.description}: not delivered (${(error as Error).message})\n`);
    }
  }
}
