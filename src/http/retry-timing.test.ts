import { describe, expect, it } from 'vitest';
import { backoffDelay } from './retry-timing.js';

const backoff = { initial: 500, max: 60_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt (full jitter scales it)', () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, backoff, top)).toBe(500);
    expect(backoffDelay(2, backoff, top)).toBe(1000);
    expect(backoffDelay(3, backoff, top)).toBe(2000);
    expect(backoffDelay(4, backoff, () => 0.5)).toBe(2000);
  });

  it('caps the ceiling at max, even for huge attempt numbers', () => {
    expect(backoffDelay(8, backoff, () => 0.5)).toBe(30_000);
    expect(backoffDelay(1000, backoff, () => 0.999999)).toBe(60_000);
  });

  it('never returns 0, so a retry always yields', () => {
    expect(backoffDelay(1, backoff, () => 0)).toBe(1);
    expect(backoffDelay(1, { initial: 0, max: 0 }, () => 0.7)).toBe(1);
  });

  it('treats attempt < 1 as the first attempt', () => {
    expect(backoffDelay(0, backoff, () => 0.5)).toBe(250);
  });

  it('spreads delays uniformly with a real random source', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(5, backoff, Math.random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
