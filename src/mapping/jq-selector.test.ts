import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { jqSelector } from './jq-selector.js';

describe('jqSelector', () => {
  it('selects records as one array output or as a stream of objects', async () => {
    const body = { data: { items: [{ id: 1 }, { id: 2 }] } };
    expect((await jqSelector('.data.items', 'records', 'records'))(body)).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await jqSelector('.data.items[] | select(.id > 1)', 'records', 'records'))(body)).toEqual({
      id: 2,
    });
    expect((await jqSelector('.data.items[]', 'records', 'records'))(body)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('keeps the first output for cursors and counts, null when there is none', async () => {
    const next = await jqSelector(
      '.links | map(select(.rel == "next")) | .[0].href // empty',
      'paginate.path',
      'first',
    );
    expect(
      next({
        links: [
          { rel: 'prev', href: 'a' },
          { rel: 'next', href: 'b' },
        ],
      }),
    ).toBe('b');
    expect(next({ links: [] })).toBeNull();
    expect((await jqSelector('.total', 'paginate.total', 'first'))({ total: 7 })).toBe(7);
  });

  it('reports a syntax error when built and a runtime error when applied, naming the field', async () => {
    await expect(jqSelector('.items[', 'resources.items.records', 'records')).rejects.toThrow(
      /^resources\.items\.records: jq: syntax error/,
    );
    const selector = await jqSelector('.items | keys', 'resources.items.records', 'records');
    let error: unknown;
    try {
      selector({ items: 3 });
    } catch (e) {
      error = e;
    }
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect((error as Error).message).toMatch(/^resources\.items\.records: jq: number \(3\) has no keys/);
  });
});
