/**
 * One webhook delivery, in the contract's order (docs/webhooks.md, "A delivery"): raw body under a
 * cap (413), verification over the raw bytes (401), JSON (400), delivery id, the events matcher
 * (202 ignored), then the durable inbox (200 duplicate / 202 accepted). Nothing is stored unless
 * every step before passed; answers never quote a header or the body.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../http/log.js';
import type { InletMetrics } from './metrics.js';
import type { BodyResult } from './read-body.js';
import type { EventMatcher } from './types.js';
import { createVerifier, type VerifyConfig } from './verify.js';

/** The part of the catalog's webhook inbox a receiver needs (CatalogStore has it). */
export interface DeliveryInbox {
  addDelivery(
    integration: string,
    delivery: { deliveryId: string; kind: string; body: string },
  ): Promise<{ id: number; duplicate: boolean }>;
}

/** What the receiver needs, with `verify.secret` already rendered. */
export interface DeliveryOptions {
  integration: string;
  /** Bytes. */
  maxBodySize: number;
  verify: VerifyConfig;
  deliveryId?: { header: string };
  events: EventMatcher;
  inbox: DeliveryInbox;
  metrics: InletMetrics;
  /** Called after a delivery is stored (the applier's `wake`). */
  onStored?: () => void;
  logger?: Logger;
}

/** A request as the handler reads it (server.ts builds it from node:http's message, or a Request). */
export interface DeliveryRequest {
  /** Header values by lower-case name, as node:http's `IncomingMessage.headers` holds them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body; `too_large` past `limit` bytes, without reading the rest (read-body.ts). */
  body(limit: number): Promise<BodyResult>;
}

/** A status and a JSON answer. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Headers never stored: credentials, and the verify header (a shared secret, or a signature). */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie'];
const MAX_DELIVERY_ID = 200;

/**
 * The delivery handler for one integration: `(request) => answer`.
 * @example const handle = createDeliveryHandler({ integration: 'github', maxBodySize, verify, events, inbox, metrics });
 */
export function createDeliveryHandler(
  options: DeliveryOptions,
): (request: DeliveryRequest) => Promise<Answer> {
  const { integration, metrics, logger } = options;
  const verify = createVerifier(options.verify);
  const dropped = new Set(CREDENTIALS);
  if (options.verify.type !== 'none') dropped.add(options.verify.header.toLowerCase());
  const idHeader = options.deliveryId?.header.toLowerCase();

  const refuse = (outcome: Parameters<InletMetrics['delivery']>[1], status: number, reason: string) => {
    metrics.delivery(integration, outcome);
    logger?.warn({ integration, status, outcome }, `webhook delivery refused: ${reason}`);
    return { status, body: { status: outcome, reason } };
  };

  return async (request) => {
    const started = performance.now();
    const read = await request.body(options.maxBodySize);
    if (!read.ok) return refuse('too_large', 413, `body is larger than ${options.maxBodySize} bytes`);
    const raw = read.bytes;
    const all = request.headers;
    const header = (name: string) => headerValue(all[name]);
    const verified = verify(raw, (name) => header(name.toLowerCase()));
    if (!verified.ok) return refuse('rejected', 401, verified.reason);

    const text = jsonText(raw, header('content-type'));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return refuse('invalid', 400, `body is not JSON (${(error as Error).message})`);
    }
    const headers: Record<string, string> = {};
    for (const name in all) {
      const value = headerValue(all[name]);
      if (value !== undefined && !dropped.has(name)) headers[name] = value;
    }
    const deliveryId = (idHeader && header(idHeader)) || sha256(raw);
    if (deliveryId.length > MAX_DELIVERY_ID) {
      return refuse(
        'invalid',
        400,
        `${options.deliveryId?.header} is longer than ${MAX_DELIVERY_ID} characters`,
      );
    }

    try {
      const event = await options.events.match({ headers, body });
      if (!event) {
        metrics.delivery(integration, 'ignored', seconds(started));
        return { status: 202, body: { status: 'ignored' } };
      }
      // `text` is the JSON as sent: stored without re-serialising, byte for byte.
      const stored = `{"headers":${JSON.stringify(headers)},"body":${text}}`;
      const { id, duplicate } = await options.inbox.addDelivery(integration, {
        deliveryId,
        kind: event.kind,
        body: stored,
      });
      if (duplicate) {
        metrics.delivery(integration, 'duplicate', seconds(started));
        return { status: 200, body: { status: 'duplicate', id } };
      }
      options.onStored?.();
      metrics.delivery(integration, 'accepted', seconds(started));
      return { status: 202, body: { status: 'accepted', id } };
    } catch (error) {
      metrics.delivery(integration, 'error');
      const message = error instanceof Error ? error.message : String(error);
      logger?.error({ integration, deliveryId }, `webhook delivery not stored: ${message}`);
      // The provider retries a 5xx; the reason is ours (jq, catalog), never the request's content.
      return { status: 500, body: { status: 'error', reason: 'the delivery could not be stored' } };
    }
  };
}

/** A header's one value: node:http keeps a few repeated headers (set-cookie) as a list; joined as Fetch does. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** GitHub's `application/x-www-form-urlencoded` deliveries carry the JSON in `payload`. */
function jsonText(raw: Buffer, contentType: string | undefined): string {
  const text = raw.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(text).get('payload') ?? '';
  }
  return text;
}

function sha256(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
