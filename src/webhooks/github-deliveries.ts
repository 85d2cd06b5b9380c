/**
 * Real GitHub webhook payloads (@octokit/webhooks-examples, MIT), signed as GitHub signs them
 * (docs.github.com "Validating webhook deliveries": X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256
 * of the raw body, with X-GitHub-Event and X-GitHub-Delivery). Used by tests and bench/webhooks.ts.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** One delivery as GitHub would POST it. */
export interface SignedDelivery {
  event: string;
  id: string;
  body: Buffer;
  headers: Record<string, string>;
}

interface Examples {
  name: string;
  examples: unknown[];
}

/** Every example payload of the given events, in the package's order. */
export function githubExamples(events: readonly string[]): Array<{ event: string; payload: unknown }> {
  const file = createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Examples[];
  return all
    .filter((entry) => events.includes(entry.name))
    .flatMap((entry) => entry.examples.map((payload) => ({ event: entry.name, payload })));
}

/**
 * Sign a payload as GitHub does; `id` defaults to a fresh UUID (GitHub's X-GitHub-Delivery is one).
 * @example const d = signDelivery('pull_request', payload, secret); await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
 */
export function signDelivery(
  event: string,
  payload: unknown,
  secret: string,
  id: string = randomUUID(),
): SignedDelivery {
  const body = Buffer.from(JSON.stringify(payload));
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return {
    event,
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/inlet-test',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': signature,
    },
  };
}
