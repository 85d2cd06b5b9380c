import { seededRandom } from './prng.js';

/** One record served by the test server's paginated routes. */
export interface Item {
  /** 1-based, in serving order. */
  id: number;
  name: string;
  /** ISO 8601, increasing with `id`. */
  updated_at: string;
  value: number;
}

const ADJECTIVES = ['amber', 'brisk', 'calm', 'dusty', 'eager', 'fuzzy', 'gentle', 'hollow'];
const NOUNS = ['otter', 'falcon', 'maple', 'harbor', 'comet', 'lantern', 'meadow', 'quartz'];
const START = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;

/**
 * `count` deterministic items for `seed`: same seed, same names, values and timestamps.
 * @example makeItems(3, 1).map((item) => item.id); // [1, 2, 3]
 */
export function makeItems(count: number, seed: number): Item[] {
  const random = seededRandom(seed);
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)] ?? '';
  return Array.from({ length: count }, (_, index) => {
    const id = index + 1;
    return {
      id,
      name: `${pick(ADJECTIVES)}-${pick(NOUNS)}-${id}`,
      updated_at: new Date(START + id * HOUR + Math.floor(random() * HOUR)).toISOString(),
      value: Math.floor(random() * 1000),
    };
  });
}
