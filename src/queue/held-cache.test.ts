import { describe, expect, it } from 'vitest';
import { heldCache } from './held-cache.js';

describe('heldCache', () => {
  it('closes idle values past `keep`, least recently used first; a failing close fails no release', async () => {
    const closed: string[] = [];
    const cache = heldCache<string>((v) => {
      closed.push(v);
      if (v === 'b') throw new Error('b would not close');
    }, 1);
    const open = (v: string) => async () => v;
    await cache.take('a', open('a'));
    await cache.take('b', open('b'));
    await cache.take('c', open('c'));
    await cache.release('b');
    // a and c are held: b is the only one that can go, and its failure stays here.
    expect(closed).toEqual(['b']);
    await cache.release('a');
    await cache.release('c');
    // Idle now: a was used least recently.
    expect(closed).toEqual(['b', 'a']);
    // Taken again while open: not opened a second time.
    let opened = 0;
    expect(
      await cache.take('c', async () => {
        opened++;
        return 'other';
      }),
    ).toBe('c');
    expect(opened).toBe(0);
  });

  it('closes every value on close, although one fails, then throws that failure', async () => {
    const closed: string[] = [];
    const cache = heldCache<string>((v) => {
      closed.push(v);
      if (v === 'x') throw new Error('x would not close');
    });
    for (const v of ['x', 'y', 'z']) await cache.take(v, async () => v);
    await expect(cache.close()).rejects.toThrow('x would not close');
    expect(closed).toEqual(['x', 'y', 'z']);
  });

  it('keeps no value that failed to open, and does not close it', async () => {
    const closed: string[] = [];
    const cache = heldCache<string>((v) => {
      closed.push(v);
    }, 0);
    await expect(
      cache.take('a', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(await cache.take('a', async () => 'up')).toBe('up');
    await cache.release('a');
    expect(closed).toEqual(['up']);
  });
});
