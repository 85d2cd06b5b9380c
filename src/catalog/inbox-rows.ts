import type { DeliveryOutcome, InboxEntry, InboxStatus } from './types.js';

/** Entries `listDeliveries` returns without a `limit`. */
export const DEFAULT_INBOX_LIMIT = 50;

/** A row of `webhook_inbox` as either driver returns it (PostgreSQL's bigint id comes as text). */
export interface InboxRow {
  id: number | string;
  integration: string;
  delivery_id: string;
  kind: string;
  received_at: string;
  body: string;
  status: InboxStatus;
  attempts: number;
  last_error: string | null;
  applied_at: string | null;
  next_attempt_at: string | null;
}

/** The columns of an `InboxRow` but the body, from webhook_inbox. */
export const ENTRY_COLUMNS =
  'id, integration, delivery_id, kind, received_at, status, attempts, last_error, applied_at, next_attempt_at';

/** The columns of an `InboxRow`, the body from webhook_inbox_bodies (the caller's table is webhook_inbox). */
export const INBOX_COLUMNS = `${ENTRY_COLUMNS}, (SELECT body FROM webhook_inbox_bodies b WHERE b.id = webhook_inbox.id) AS body`;

export function inboxFromRow(r: InboxRow): InboxEntry {
  return {
    id: Number(r.id),
    integration: r.integration,
    deliveryId: r.delivery_id,
    kind: r.kind,
    body: r.body,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    receivedAt: r.received_at,
    appliedAt: r.applied_at,
    nextAttemptAt: r.next_attempt_at,
  };
}

/** The columns `settleDelivery` writes for an outcome settled at `at` (ISO 8601). */
export function settledColumns(
  outcome: DeliveryOutcome,
  at: string,
): { status: InboxStatus; error: string | null; appliedAt: string | null; nextAttemptAt: string | null } {
  switch (outcome.status) {
    case 'applied':
    case 'stale':
      // The last try succeeded: an earlier try's error no longer describes the entry.
      return { status: outcome.status, error: null, appliedAt: at, nextAttemptAt: null };
    case 'dead':
      return { status: 'dead', error: outcome.error, appliedAt: null, nextAttemptAt: null };
    case 'retry':
      return {
        status: 'pending',
        error: outcome.error,
        appliedAt: null,
        nextAttemptAt: new Date(outcome.retryAt).toISOString(),
      };
  }
}
