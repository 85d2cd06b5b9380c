import { describe, expect, it } from 'vitest';
import { fanOut } from './fan-out.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fanOut', () => {
  it('reads every child of every parent, at most `concurrency` children at once, parents lazily', async () => {
    let openChildren = 0;
    let maxOpen = 0;
    let parentsRead = 0;
    let parentsClosed = false;
    async function* parents() {
      try {
        for (let p = 1; p <= 6; p++) {
          await tick();
          parentsRead++;
          yield p;
        }
      } finally {
        parentsClosed = true;
      }
    }
    async function* child(parent: number) {
      openChildren++;
      maxOpen = Math.max(maxOpen, openChildren);
      try {
        for (let i = 0; i < 3; i++) {
          for (let t = 0; t < parent % 3; t++) await tick();
          yield parent * 10 + i;
        }
      } finally {
        openChildren--;
      }
    }
    const out: number[] = [];
    const merged = fanOut(parents(), child, { concurrency: 2 });
    const first = await merged.next();
    if (!first.done) out.push(first.value);
    expect(parentsRead).toBeLessThanOrEqual(3);
    for await (const value of merged) out.push(value);
    expect(maxOpen).toBe(2);
    expect([...out].sort((a, b) => a - b)).toEqual(
      [1, 2, 3, 4, 5, 6].flatMap((p) => [p * 10, p * 10 + 1, p * 10 + 2]),
    );
    for (let p = 1; p <= 6; p++)
      expect(out.filter((v) => Math.floor(v / 10) === p)).toEqual([p * 10, p * 10 + 1, p * 10 + 2]);
    expect(parentsClosed).toBe(true);
  });

  it('closes the parents and open children when the consumer stops early', async () => {
    let parentsClosed = false;
    let childrenOpen = 0;
    async function* parents() {
      try {
        for (let p = 0; ; p++) yield p;
      } finally {
        parentsClosed = true;
      }
    }
    async function* child(parent: number) {
      childrenOpen++;
      try {
        for (;;) {
          await tick();
          yield parent;
        }
      } finally {
        childrenOpen--;
      }
    }
    let taken = 0;
    for await (const _ of fanOut(parents(), child, { concurrency: 4 })) if (++taken === 10) break;
    expect(parentsClosed).toBe(true);
    expect(childrenOpen).toBe(0);
  });
});
