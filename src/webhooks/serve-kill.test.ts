/**
 * kill -9 mid-burst (docs/webhooks.md: "a crash after the 2xx loses nothing"): `inlet serve` runs as
 * a child process, 1,000 signed deliveries are sent by 16 keep-alive clients, the process is killed
 * with SIGKILL partway; every delivery that got a 2xx is in the inbox, and after a restart every
 * stored entry is applied.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/index.js';
import { githubExamples, signDelivery } from './github-deliveries.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const GITHUB = fileURLToPath(new URL('../../integrations/github', import.meta.url));
const SECRET = 'whsec-kill-test';
const BURST = 1000;
const KILL_AFTER = 300;

let dir: string;
let db: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inlet-serve-kill-'));
  db = join(dir, 'inlet.db');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts `inlet serve github` on a free port; resolves with the child and its base URL. */
async function startChild(): Promise<{ child: ChildProcess; url: string; exited: Promise<void> }> {
  const args = [CLI, '--log-level', 'silent', 'serve', GITHUB, '--port', '0', '--db', db];
  args.push('--set', 'orgs=acme', '--set', `webhookSecret=${SECRET}`, '--set', 'baseUrl=http://127.0.0.1:9');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+),/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`inlet serve exited: ${stderr}`)));
  });
  return { child, url, exited };
}

describe('inlet serve: kill -9 mid-burst', () => {
  it('every delivery answered 2xx is in the inbox after SIGKILL, and is applied after a restart', async () => {
    const examples = githubExamples(['pull_request']);
    const deliveries = Array.from({ length: BURST }, (_, i) => {
      const example = examples[i % examples.length] as { payload: Record<string, unknown> };
      // Each delivery its own pull request, so every one is a distinct entity.
      const payload = structuredClone(example.payload) as { pull_request: Record<string, unknown> };
      payload.pull_request.id = 1_000_000 + i;
      payload.pull_request.number = i + 1;
      return signDelivery('pull_request', payload, SECRET, `kill-${i}`);
    });

    const first = await startChild();
    const pool = new Pool(first.url, { connections: 16 });
    const acked = new Set<string>();
    let killed = false;
    let next = 0;
    const client = async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++] as (typeof deliveries)[number];
        try {
          const res = await pool.request({
            path: '/webhooks/github',
            method: 'POST',
            headers: delivery.headers,
            body: delivery.body,
          });
          await res.body.text();
          if (res.statusCode >= 200 && res.statusCode < 300) acked.add(delivery.id);
        } catch {
          // Connections die with the process: those deliveries got no 2xx and may or may not be stored.
        }
        if (!killed && acked.size >= KILL_AFTER) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await first.exited;
    await pool.close().catch(() => {});
    expect(killed).toBe(true);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acked.size).toBeLessThan(BURST);

    const store = await openCatalog(db);
    try {
      const rows = await store.listDeliveries('github', { limit: BURST * 2 });
      const ids = new Set(rows.map((row) => row.deliveryId));
      const lost = [...acked].filter((id) => !ids.has(id));
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }

    // Restart: the applier picks up what the killed process left pending (a killed claim expires).
    const second = await startChild();
    try {
      const store2 = await openCatalog(db);
      try {
        for (;;) {
          const counts = await store2.inboxCounts('github');
          if (counts.pending === 0) break;
          await sleep(100);
        }
        const rows = await store2.listDeliveries('github', { limit: BURST * 2 });
        expect(
          rows.filter((row) => row.status !== 'applied').map((r) => [r.deliveryId, r.status, r.lastError]),
        ).toEqual([]);
      } finally {
        await store2.close();
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(second.child.exitCode).toBe(0);
  }, 180_000);
});
