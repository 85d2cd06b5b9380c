import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { compileJq } from '../../src/mapping/jq.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
/** GitHub's own example deliveries (@octokit/webhooks-examples, MIT). */
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
) as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

interface EventSpec {
  when: string;
  kind: string;
  record: string;
  delete?: string;
  order?: string;
}

describe('github webhook events against real GitHub payloads', () => {
  it('every repository and pull_request example gives its kind, a record and an ISO order', async () => {
    const loaded = await loadManifest(DIR, { set: ['orgs=acme'] });
    const events = (loaded.manifest.webhooks as { events: EventSpec[] }).events;
    const programs = await Promise.all(
      events.map(async (e, i) => ({
        kind: e.kind,
        when: await compileJq(e.when, `webhooks.events[${i}].when`),
        record: await compileJq(e.record, `webhooks.events[${i}].record`),
        delete: e.delete ? await compileJq(e.delete, `webhooks.events[${i}].delete`) : undefined,
        order: e.order ? await compileJq(e.order, `webhooks.events[${i}].order`) : undefined,
      })),
    );
    const seen: string[] = [];
    for (const group of examples.filter((g) => g.name === 'repository' || g.name === 'pull_request')) {
      for (const body of group.examples) {
        const delivery = { headers: { 'x-github-event': group.name }, body };
        let matched: (typeof programs)[number] | undefined;
        for (const p of programs)
          if ((await p.when.run(delivery))[0] === true) {
            matched = p;
            break;
          }
        expect(matched?.kind).toBe(group.name === 'repository' ? 'repository' : 'pull-request');
        const [record] = (await matched?.record.run(delivery)) ?? [];
        expect(record).toMatchObject(
          group.name === 'repository' ? { full_name: expect.any(String) } : { number: expect.any(Number) },
        );
        const [order] = (await matched?.order?.run(delivery)) ?? [];
        expect(order).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        const [deleted] = (await matched?.delete?.run(delivery)) ?? [false];
        expect(deleted).toBe(body.action === 'deleted');
        seen.push(`${group.name}.${String(body.action)}`);
      }
    }
    // The examples hold no repository.deleted / archived: GitHub documents their payload as the same shape.
    expect(new Set(seen)).toEqual(
      new Set([
        ...['created', 'edited', 'privatized', 'publicized', 'renamed', 'transferred'].map(
          (a) => `repository.${a}`,
        ),
        ...[
          'assigned',
          'closed',
          'converted_to_draft',
          'labeled',
          'locked',
          'opened',
          'ready_for_review',
          'reopened',
          'review_request_removed',
          'review_requested',
          'synchronize',
          'unassigned',
          'unlabeled',
          'unlocked',
        ].map((a) => `pull_request.${a}`),
      ]),
    );
  });
});
