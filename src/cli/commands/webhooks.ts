import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { type InboxEntry, type InboxStatus, openCatalog } from '../../catalog/index.js';
import { ConfigError } from '../../errors/errors.js';
import type { CliIo } from '../common.js';
import { resolveIntegration } from '../resolve-integration.js';
import { renderTable } from '../table.js';

const STATUSES: readonly InboxStatus[] = ['pending', 'applied', 'stale', 'dead'];

interface ListFlags {
  db: string;
  status?: string;
  limit: string;
  json?: boolean;
}

interface RetryFlags {
  db: string;
  dead?: boolean;
}

/**
 * `inlet webhooks list|retry` (docs: "Inspecting the inbox"), made on `program` so that they inherit
 * its error handling; the group is returned so that `inlet webhooks register` can be added to it.
 * @example webhooksCommand(program, io).command('register <integration>')
 */
export function webhooksCommand(program: Command, io: CliIo): Command {
  const webhooks = program
    .command('webhooks')
    .description("inspect and retry the integration's webhook inbox");
  const db = (c: Command) =>
    c.option('--db <path|url>', 'catalog: a SQLite file or postgres://… URL', './inlet.db');

  db(webhooks.command('list <integration>'))
    .description('the inbox, newest first')
    .option('--status <status>', 'only entries in this state: pending|applied|stale|dead')
    .option('--limit <n>', 'how many, newest first', '50')
    .option('--json', 'one JSON object per line')
    .action(async (target: string, flags: ListFlags) => {
      const status = inboxStatus(flags.status);
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new ConfigError(`--limit: "${flags.limit}" is not a whole number >= 1`);
      }
      const store = await openCatalog(flags.db, { mustExist: true });
      try {
        const entries = await store.listDeliveries(integrationName(target), { status, limit });
        if (flags.json) {
          for (const entry of entries) io.stdout(`${JSON.stringify(jsonOf(entry))}\n`);
          return;
        }
        io.stdout(`${table(entries)}\n${entries.length} entries\n`);
      } finally {
        await store.close();
      }
    });

  db(webhooks.command('retry <integration> [ids...]'))
    .description('put entries (by id, or every dead one) back to pending')
    .option('--dead', 'every dead entry')
    .action(async (target: string, ids: string[], flags: RetryFlags) => {
      const which = retryTarget(ids, flags.dead === true);
      const store = await openCatalog(flags.db, { mustExist: true });
      try {
        const count = await store.retryDeliveries(integrationName(target), which);
        io.stdout(`${count} ${count === 1 ? 'entry' : 'entries'} back to pending\n`);
      } finally {
        await store.close();
      }
    });

  // register: added by w9-providers
  return webhooks;
}

function inboxStatus(value: string | undefined): InboxStatus | undefined {
  if (value === undefined) return undefined;
  if (!(STATUSES as readonly string[]).includes(value)) {
    throw new ConfigError(`--status: "${value}" is not ${STATUSES.join(', ')}`);
  }
  return value as InboxStatus;
}

function retryTarget(ids: string[], dead: boolean): number[] | 'dead' {
  if (dead && ids.length > 0) throw new ConfigError('retry: give entry ids or --dead, not both');
  if (dead) return 'dead';
  if (ids.length === 0) throw new ConfigError('retry: give entry ids or --dead');
  return ids.map((id) => {
    const n = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(n) || n < 1) {
      throw new ConfigError(`retry: "${id}" is not an entry id (a whole number >= 1)`);
    }
    return n;
  });
}

/**
 * The inbox is keyed by the manifest's `name`: a folder or inlet.yaml gives its name; anything else
 * (a built-in such as `github`, or a name) is taken as it is, so no settings are needed to look.
 */
function integrationName(target: string): string {
  const resolved = resolveIntegration(target);
  const file =
    existsSync(resolved) && statSync(resolved).isDirectory() ? join(resolved, 'inlet.yaml') : resolved;
  if (!existsSync(file) || statSync(file).isDirectory()) return target;
  const name = (parse(readFileSync(file, 'utf8')) as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') throw new ConfigError(`${file}: name: required`);
  return name;
}

function jsonOf(e: InboxEntry) {
  return {
    id: e.id,
    deliveryId: e.deliveryId,
    kind: e.kind,
    status: e.status,
    attempts: e.attempts,
    receivedAt: e.receivedAt,
    appliedAt: e.appliedAt,
    error: e.lastError,
  };
}

function table(entries: InboxEntry[]): string {
  const rows = entries.map((e) => [
    e.id,
    e.deliveryId,
    e.kind,
    e.status,
    e.attempts,
    e.receivedAt,
    e.appliedAt ?? '',
    e.lastError ?? '',
  ]);
  return renderTable(['id', 'delivery', 'kind', 'status', 'attempts', 'received', 'applied', 'error'], rows);
}
