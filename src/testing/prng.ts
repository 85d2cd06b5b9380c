import type { Random } from '../http/clock.js';

/**
 * A seeded PRNG (mulberry32): fast, 32-bit state, good enough to make test data and
 * fault schedules reproducible. Not for anything secret.
 * @example const random = seededRandom(7); random(); // same number on every run
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
