/**
 * Build and send webhook deliveries the way providers do, for tests and `inlet mock --send-webhooks`:
 * the raw JSON body and its headers, signed over the exact bytes sent.
 * - GitHub (docs.github.com/webhooks/webhook-events-and-payloads#delivery-headers): X-GitHub-Event,
 *   X-GitHub-Delivery (a GUID), X-GitHub-Hook-ID, X-Hub-Signature-256 `sha256=<hex HMAC>` (and the
 *   legacy SHA-1 X-Hub-Signature) when the hook has a secret.
 * - Jira (developer.atlassian.com/cloud/jira/platform/webhooks): X-Atlassian-Webhook-Identifier
 *   (stable across retries), X-Atlassian-Webhook-Retry, X-Hub-Signature `sha256=<hex HMAC>` with a secret.
 * - Octopus subscriptions (octopus.com/docs/administration/managing-infrastructure/subscriptions):
 *   the subscription's WebhookHeaderKey / WebhookHeaderValue sent verbatim.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** A delivery ready to POST: header names as the provider spells them, the body as raw JSON text. */
export interface OutgoingDelivery {
  headers: Record<string, string>;
  body: string;
}

const hmac = (algorithm: 'sha1' | 'sha256', secret: string, body: string) =>
  createHmac(algorithm, secret).update(body, 'utf8').digest('hex');

/**
 * A GitHub webhook delivery of `event` (the X-GitHub-Event name, e.g. `pull_request`).
 * @example githubDelivery({ event: 'repository', payload: { action: 'renamed', repository }, secret })
 */
export function githubDelivery(options: {
  event: string;
  payload?: unknown;
  /** The exact body text, instead of `payload` as JSON (e.g. to test byte-exact verification). */
  body?: string;
  /** The hook's secret; without it GitHub sends no signature headers. */
  secret?: string;
  /** @default a random GUID */
  deliveryId?: string;
  /** @default 1 */
  hookId?: number;
}): OutgoingDelivery {
  const body = options.body ?? JSON.stringify(options.payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/inlet-sim',
    'X-GitHub-Event': options.event,
    'X-GitHub-Delivery': options.deliveryId ?? randomUUID(),
    'X-GitHub-Hook-ID': String(options.hookId ?? 1),
    'X-GitHub-Hook-Installation-Target-Type': 'organization',
  };
  if (options.secret) {
    headers['X-Hub-Signature'] = `sha1=${hmac('sha1', options.secret, body)}`;
    headers['X-Hub-Signature-256'] = `sha256=${hmac('sha256', options.secret, body)}`;
  }
  return { headers, body };
}

/**
 * A Jira webhook delivery; `payload.webhookEvent` names the event (`jira:issue_updated` …).
 * @example jiraDelivery({ payload: { timestamp: Date.now(), webhookEvent: 'jira:issue_updated', issue }, secret })
 */
export function jiraDelivery(options: {
  payload: unknown;
  /** The admin webhook's secret; without it Jira sends no X-Hub-Signature. */
  secret?: string;
  /** @default a random GUID */
  identifier?: string;
}): OutgoingDelivery {
  const body = JSON.stringify(options.payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'Atlassian Webhook HTTP Client',
    'X-Atlassian-Webhook-Identifier': options.identifier ?? randomUUID(),
    'X-Atlassian-Webhook-Retry': '0',
  };
  if (options.secret) headers['X-Hub-Signature'] = `sha256=${hmac('sha256', options.secret, body)}`;
  return { headers, body };
}

/**
 * An Octopus subscription delivery: the payload with the subscription's shared-secret header.
 * @example octopusDelivery({ payload, header: 'X-Inlet-Secret', secret })
 */
export function octopusDelivery(options: {
  payload: unknown;
  /** WebhookHeaderKey of the subscription. @default 'X-Inlet-Webhook-Secret' */
  header?: string;
  /** WebhookHeaderValue; without it no header is sent. */
  secret?: string;
}): OutgoingDelivery {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (options.secret) headers[options.header ?? 'X-Inlet-Webhook-Secret'] = options.secret;
  return { headers, body: JSON.stringify(options.payload) };
}

/**
 * POST a delivery to `url`; resolves to the receiver's status and body text (never throws on a 4xx/5xx).
 * @example const { status } = await sendDelivery('http://127.0.0.1:8080/webhooks/github', delivery);
 */
export async function sendDelivery(
  url: string,
  delivery: OutgoingDelivery,
  options: { signal?: AbortSignal } = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
    signal: options.signal ?? AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text() };
}
