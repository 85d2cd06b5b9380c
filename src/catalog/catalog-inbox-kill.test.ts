import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from './index.js';
import { type Factory, postgresFactory, sqliteFactory } from './test-stores.js';

/** Built by `npm test`'s pretest (`tsc -p .`): the child runs the real catalog code, not the test's copy. */
const CATALOG = new URL('../../dist/src/catalog/index.js', import.meta.url).href;

// Stores deliveries until killed, printing each delivery id once addDelivery has returned (the 2xx point).
const CHILD = `
const { openCatalog } = await import(process.argv[1]);
const catalog = await openCatalog(process.argv[2]);
for (let i = 0; ; i++) {
  const body = JSON.stringify({ headers: {}, body: { n: i, pad: 'x'.repeat(512) } });
  await catalog.addDelivery('gh', { deliveryId: 'k-' + i, kind: 'push', body });
  process.stdout.write('k-' + i + '\\n');
}`;

// The same, 20 deliveries at a time (one group commit on SQLite), each id printed once its own add returned.
const GROUPS = `
const { openCatalog } = await import(process.argv[1]);
const catalog = await openCatalog(process.argv[2]);
for (let g = 0; ; g++) {
  await Promise.all(Array.from({ length: 20 }, async (_, j) => {
    const id = 'g-' + (g * 20 + j);
    const body = JSON.stringify({ headers: {}, body: { n: g * 20 + j, pad: 'x'.repeat(20000) } });
    await catalog.addDelivery('gh', { deliveryId: id, kind: 'push', body });
    process.stdout.write(id + '\\n');
  }));
}`;

/** Runs `code` on `target` and SIGKILLs it once it acknowledged `count` deliveries; the acknowledged ids. */
async function killAfter(target: string, count: number, code = CHILD): Promise<string[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, CATALOG, target], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_, signal) => resolve(signal)),
  );
  const acked: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    acked.push(line);
    if (acked.length === count) child.kill('SIGKILL');
  }
  expect(await exited, stderr).toBe('SIGKILL');
  return acked;
}

describe.each<Factory>([sqliteFactory(), postgresFactory()])(
  'webhook inbox on $name, writer killed',
  (factory) => {
    afterAll(() => factory.cleanup());

    it.skipIf(factory.skip)('keeps every delivery acknowledged before kill -9', async () => {
      const target = await factory.target();
      const acked = await killAfter(target, 300);
      expect(acked.length).toBeGreaterThanOrEqual(300);
      const c = await openCatalog(target);
      try {
        const stored = new Set((await c.listDeliveries('gh', { limit: 100_000 })).map((e) => e.deliveryId));
        expect(acked.filter((id) => !stored.has(id))).toEqual([]);
        // Nothing half-written: an entry the child had no time to acknowledge is there whole or not at all.
        expect(stored.size - acked.length).toBeLessThanOrEqual(1);
        expect((await c.claimDeliveries('gh', { limit: 1, claimMs: 1000 }))[0]?.body).toContain('"n":0');
      } finally {
        await c.close();
      }
    });

    it.skipIf(factory.skip)(
      'keeps every delivery acknowledged before kill -9 amid concurrent adds',
      async () => {
        const target = await factory.target();
        const acked = await killAfter(target, 310, GROUPS);
        const c = await openCatalog(target);
        try {
          const stored = new Set((await c.listDeliveries('gh', { limit: 100_000 })).map((e) => e.deliveryId));
          expect(acked.filter((id) => !stored.has(id))).toEqual([]);
          // At most the group in flight is stored unacknowledged; on SQLite a group is one commit: whole or not at all.
          expect(stored.size - acked.length).toBeLessThanOrEqual(20);
          if (factory.name === 'sqlite') expect(stored.size % 20).toBe(0);
          const bodies = await c.listDeliveries('gh', { limit: 100_000 });
          expect(bodies.every((e) => e.body.includes(`"n":${e.deliveryId.slice(2)},`))).toBe(true);
        } finally {
          await c.close();
        }
      },
    );
  },
);
