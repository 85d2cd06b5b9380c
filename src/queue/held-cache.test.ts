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

  it('makes room when a new value is taken, and counts a release as a use', async () => {
    const closed: string[] = [];
    const cache = heldCache<string>((v) => {
      closed.push(v);
    }, 2);
    await cache.take('a', async () => 'a');
    await cache.take('b', async () => 'b');
    // a, taken first, is let go of last: b is now the least recently used.
    await cache.release('b');
    await cache.release('a');
    await cache.take('c', async () => 'c');
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual(['b']);
  });

  it('gives two takes of a value still opening the one value, opened once', async () => {
    let opened = 0;
    let finish = (_v: string) => {};
    const open = () => {
      opened++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const cache = heldCache<string>(() => {});
    const first = cache.take('a', open);
    const second = cache.take('a', open);
    finish('A');
    expect(await Promise.all([first, second])).toEqual(['A', 'A']);
    expect(opened).toBe(1);
  });

  it('close() waits for a close a trim began', async () => {
    const log: string[] = [];
    // a, trimmed first, takes longer to close than b, which close() itself closes.
    const cache = heldCache<string>(async (v) => {
      await new Promise((r) => setTimeout(r, v === 'a' ? 60 : 5));
      log.push(`closed ${v}`);
    }, 1);
    await cache.take('a', async () => 'a');
    void cache.release('a');
    await cache.take('b', async () => 'b'); // a is trimmed: its close is under way
    await cache.close();
    log.push('close resolved');
    expect(log).toEqual(['closed b', 'closed a', 'close resolved']);
  });
});
