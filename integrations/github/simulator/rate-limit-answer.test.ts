import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { type GithubSimulator, SIMULATOR_TOKEN, startSimulator } from './start.js';

let sim: GithubSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const get = (path: string) =>
  fetch(`${sim!.url}${path}`, { headers: { authorization: `Bearer ${SIMULATOR_TOKEN}` } });

describe("GitHub simulator: injected rate-limit faults in GitHub's shapes", () => {
  it('403 primary limit: x-ratelimit-* with the reset, and the documented message', async () => {
    const clock = new VirtualClock();
    sim = await startSimulator({ clock, faults: { rate: 1, kinds: ['403-primary'], retryAfterSeconds: 5 } });
    const res = await get('/orgs/acme');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBe((clock.now() + 5000) / 1000);
    expect(((await res.json()) as { message: string }).message).toMatch(/^API rate limit exceeded/);
  });

  it("403 secondary limit with Retry-After, and 429 with GitHub's body", async () => {
    sim = await startSimulator({ clock: new VirtualClock(), faults: { rate: 1, kinds: ['403-secondary'] } });
    const secondary = await get('/orgs/acme');
    expect([secondary.status, secondary.headers.get('retry-after')]).toEqual([403, '1']);
    expect(((await secondary.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    await sim.close();
    sim = await startSimulator({ clock: new VirtualClock(), faults: parseSpec() });
    const limited = await get('/orgs/acme');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    expect(await limited.json()).toMatchObject({ documentation_url: 'https://docs.github.com/rest' });
  });
});

const parseSpec = () => ({ rate: 1, kinds: ['429' as const] });
