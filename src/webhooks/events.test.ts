import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { compileEvents } from './events.js';

const github = [
  {
    when: '.headers["x-github-event"] == "repository"',
    kind: 'repository',
    record: '.body.repository',
    delete: '.body.action == "deleted"',
  },
  {
    when: '.headers["x-github-event"] == "pull_request"',
    kind: 'pull-request',
    record: '.body.pull_request',
    order: '.body.pull_request.updated_at',
  },
];
// The same entries written so that only jq can run them (startswith, ascii_downcase).
const viaJq = github.map((entry) => ({
  ...entry,
  when: `${entry.when} and (.headers["x-github-event"] | startswith(""))`,
}));

describe('compileEvents', () => {
  for (const [name, events] of [
    ['fast path', github],
    ['jq thread', viaJq],
  ] as const) {
    it(`${name}: the first entry whose when is true decides; record, delete, order`, async () => {
      const matcher = await compileEvents(events);
      try {
        const repo = { full_name: 'acme/api' };
        expect(
          await matcher.match({
            headers: { 'x-github-event': 'repository' },
            body: { action: 'deleted', repository: repo },
          }),
        ).toEqual({ index: 0, kind: 'repository', record: repo, delete: true });
        expect(
          await matcher.match({
            headers: { 'x-github-event': 'pull_request' },
            body: { action: 'opened', pull_request: { id: 1, updated_at: '2026-01-01T00:00:00Z' } },
          }),
        ).toEqual({
          index: 1,
          kind: 'pull-request',
          record: { id: 1, updated_at: '2026-01-01T00:00:00Z' },
          delete: false,
          order: '2026-01-01T00:00:00Z',
        });
        expect(await matcher.match({ headers: { 'x-github-event': 'push' }, body: {} })).toBeUndefined();
        // A body that is not an object: `when` errors count as false, never as a match.
        expect(await matcher.match({ headers: {}, body: 'text' })).toBeUndefined();
        expect(await matcher.match({ headers: { 'x-github-event': 'repository' }, body: [1] })).toMatchObject(
          { kind: 'repository', record: null, delete: false },
        );
      } finally {
        await matcher.close();
      }
    });
  }

  it('a program that never ends is cut off by the time limit, and the matcher still works', async () => {
    const matcher = await compileEvents(
      [{ when: '.body.loop == true and ([repeat(1)] | length) > 0', kind: 'x', record: '.body' }, ...viaJq],
      { timeoutMs: 300 },
    );
    try {
      await expect(matcher.match({ headers: {}, body: { loop: true } })).rejects.toThrow(/within 300 ms/);
      expect(await matcher.match({ headers: { 'x-github-event': 'push' }, body: {} })).toBeUndefined();
    } finally {
      await matcher.close();
    }
  });

  it('a jq that does not compile names the field, file and line', async () => {
    const error = await compileEvents([{ when: '.a ==', kind: 'x', record: 'nosuchfn(1)' }], {
      locate: (path) => ({ file: 'inlet.yaml', line: path.endsWith('when') ? 7 : 9 }),
    }).catch((e: unknown) => e);
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    const issues = (error as { issues: Array<{ path: string; line?: number; file?: string }> }).issues;
    expect(issues.map((i) => [i.path, i.file, i.line])).toEqual([
      ['webhooks.events[0].when', 'inlet.yaml', 7],
      ['webhooks.events[0].record', 'inlet.yaml', 9],
    ]);
  });
});
