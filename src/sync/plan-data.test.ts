import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { NDL_MANIFEST } from './e2e/no-data-loss-api.js';
import { openIntegration } from './open-integration.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the plan as data (issue 7)', () => {
  it('survives a JSON round trip: the compiled plan starts the same chains with the same cursors', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inlet-plan-'));
    await writeFile(join(dir, 'inlet.yaml'), NDL_MANIFEST);
    const ndl = await openIntegration(dir, { set: ['baseUrl=http://127.0.0.1:9'] });
    try {
      const data = ndl.planData({ project: { '/projects {}': '2026-05-01T00:00:00Z' } });
      const sent = JSON.parse(JSON.stringify(data)) as typeof data;
      expect(sent).toEqual(data);
      const [here, there] = await Promise.all([ndl.compile(data), compilePlan(sent)]);
      const chains = (plan: typeof here) =>
        plan.kinds.map((k) => ({
          kind: k.kind,
          partial: k.partial,
          chains: k.chains(k.parent ? { id: 'p1' } : undefined),
        }));
      expect(chains(there)).toEqual(chains(here));
      const project = chains(there).find((k) => k.kind === 'project');
      expect(project?.chains[0]?.query).toMatchObject({ since: '2026-05-01T00:00:00Z' });
      expect(project?.partial).toMatch(/incrementally/);
      expect(chains(there).find((k) => k.kind === 'task')?.chains[0]?.path).toBe('/projects/p1/tasks');
    } finally {
      await ndl.close();
    }
  });

  it('keeps every config issue as data with file, line, path and code', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inlet-plan-'));
    const broken = NDL_MANIFEST.replace('parent: project', 'parent: projekt').replace(
      'request: { path: /items }',
      'request: { path: /items, bogus: 1 }',
    );
    await writeFile(join(dir, 'inlet.yaml'), broken.replace('concurrency: 4', 'concurrency: -1'));
    const error = await openIntegration(dir, { set: ['baseUrl=http://127.0.0.1:9'] }).catch(
      (e: unknown) => e,
    );
    const issues = (error as { issues: Array<{ file: string; line: number; path: string; code: string }> })
      .issues;
    expect(issues.length).toBeGreaterThanOrEqual(2);
    for (const issue of issues) {
      expect(issue.file).toMatch(/inlet\.yaml$/);
      expect(issue.line).toBeGreaterThan(0);
      expect(issue.code).toBeTruthy();
    }
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['connection.concurrency', 'resources.item.request.bogus']),
    );
  });

  it('locates a jq error in the mapping at its line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inlet-plan-'));
    await writeFile(
      join(dir, 'inlet.yaml'),
      NDL_MANIFEST.replace('title: .name', 'title: ".name | nosuchfn"'),
    );
    const error = await openIntegration(dir, { set: ['baseUrl=http://127.0.0.1:9'] }).catch(
      (e: unknown) => e,
    );
    const [issue] = (error as { issues: Array<{ file: string; line: number; path: string; code: string }> })
      .issues;
    expect(issue).toMatchObject({ code: 'jq', path: 'mapping.resources[0].port.entity.mappings.title' });
    expect(NDL_MANIFEST.split('\n')[issue!.line - 1]).toMatch(/kind: item|title/);
  });
});
