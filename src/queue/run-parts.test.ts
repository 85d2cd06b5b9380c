import { describe, expect, it } from 'vitest';
import type { RunParts } from './run-parts.js';
import { partsCache } from './run-parts.js';
import type { RunSpec } from './run-spec.js';

const spec = (token: string, runId = 1) =>
  ({ runId, manifest: { name: 'gh' }, settings: { values: { token } } }) as unknown as RunSpec;

/** Parts that count how often they were opened and closed. */
function opener() {
  const counts = { opened: 0, closed: 0 };
  const open = async (): Promise<RunParts> => {
    counts.opened++;
    const close = async () => {
      counts.closed++;
    };
    return {
      mapper: { close } as unknown as RunParts['mapper'],
      client: { close } as unknown as RunParts['client'],
    };
  };
  return { counts, open };
}

describe('partsCache', () => {
  it('gives the next run of the same manifest and settings the same parts, opened once', async () => {
    const cache = partsCache();
    const { counts, open } = opener();
    const first = await cache.take(spec('t'), open);
    await cache.release(spec('t'));
    const second = await cache.take(spec('t', 2), open);
    expect(second).toBe(first);
    expect(counts.opened).toBe(1);
    // Other settings (another token): other parts.
    const other = await cache.take(spec('u'), open);
    expect(other).not.toBe(first);
    expect(counts.opened).toBe(2);
    await cache.close();
    expect(counts.closed).toBe(4); // two parts, mapper and client each
  });

  it('closes the least recently used parts no run holds once more than `keep` are open', async () => {
    const cache = partsCache(2);
    const { counts, open } = opener();
    await cache.take(spec('a'), open); // held
    await cache.take(spec('b'), open);
    await cache.release(spec('b'));
    await cache.take(spec('c'), open);
    await cache.release(spec('c'));
    // a is held and c was used last: b goes.
    expect(counts.closed).toBe(2);
    const again = opener();
    await cache.take(spec('b'), again.open);
    expect(again.counts.opened).toBe(1);
    await cache.take(spec('a'), again.open);
    expect(again.counts.opened).toBe(1);
  });

  it('does not keep parts that failed to open', async () => {
    const cache = partsCache();
    await expect(
      cache.take(spec('t'), async () => {
        throw new Error('no mapping');
      }),
    ).rejects.toThrow('no mapping');
    const { counts, open } = opener();
    await cache.take(spec('t'), open);
    expect(counts.opened).toBe(1);
  });
});
