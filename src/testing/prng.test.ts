import { describe, expect, it } from 'vitest';
import { seededRandom } from './prng.js';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seqA = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(seqA);
    expect(Array.from({ length: 20 }, c)).not.toEqual(seqA);
  });

  it('stays in [0, 1) and spreads roughly uniformly', () => {
    const random = seededRandom(1);
    const samples = Array.from({ length: 4000 }, random);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(1);
    for (let quarter = 0; quarter < 4; quarter++) {
      const count = samples.filter((x) => Math.floor(x * 4) === quarter).length;
      expect(count).toBeGreaterThan(850);
    }
  });
});
