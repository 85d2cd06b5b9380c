import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { type FaultKind, type FaultSpec, parseFaultSpec } from './faults.js';
import { startTestServer, type TestServer } from './test-server.js';
import { VirtualClock } from './virtual-clock.js';

async function withServer(
  faults: FaultSpec,
  run: (server: TestServer, clock: VirtualClock) => Promise<void>,
) {
  const clock = new VirtualClock();
  const server = await startTestServer({ clock, faults });
  try {
    await run(server, clock);
  } finally {
    await server.close();
  }
}

describe('parseFaultSpec', () => {
  it('parses every key', () => {
    expect(parseFaultSpec('rate=0.2,seed=7,kinds=429+403-primary+502,retry-after=2')).toEqual({
      rate: 0.2,
      seed: 7,
      kinds: ['429', '403-primary', '502'],
      retryAfterSeconds: 2,
    });
    const spec = parseFaultSpec(' rate = 1 , slow-ms=250, kinds=slow, only=^/api/link/ ');
    expect(spec).toMatchObject({ rate: 1, slowMs: 250, kinds: ['slow'] });
    expect(spec.only?.test('/api/link/items')).toBe(true);
    expect(parseFaultSpec('rate=0')).toEqual({ rate: 0 });
  });

  it.each([
    ['', /"rate" is required/],
    ['seed=3', /"rate" is required/],
    ['rate=1.5', /"rate" must be a number between 0 and 1/],
    ['rate=abc', /"rate" must be a number/],
    ['rate=', /"rate" must be a number/],
    ['rate=0.1,kinds=429+teapot', /unknown fault kind "teapot"/],
    ['rate=0.1,color=red', /unknown key "color"/],
    ['rate=0.1,rate=0.2', /"rate" given twice/],
    ['rate=0.1,seed=-1', /"seed" must be a non-negative integer/],
    ['rate=0.1,retry-after=1.5', /"retry-after" must be a non-negative integer/],
    ['rate=0.1,only=(', /"only" is not a valid regular expression/],
    ['rate', /expected key=value/],
  ])('rejects %j', (text, message) => {
    let caught: unknown;
    try {
      parseFaultSpec(text);
    } catch (error) {
      caught = error;
    }
    expect(isInletError(caught, 'E_CONFIG')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('fault injection', () => {
  const nonBlocking: FaultKind[] = ['500', '502', '503'];

  async function faultsOf(seed: number, count: number): Promise<(string | undefined)[]> {
    let faults: (string | undefined)[] = [];
    await withServer({ rate: 0.2, seed, kinds: nonBlocking }, async (server) => {
      for (let i = 0; i < count; i++) await (await request(`${server.url}/api/items/1?i=${i}`)).body.dump();
      faults = server.requests.map((r) => r.fault);
    });
    return faults;
  }

  it('is deterministic for a seed and close to the requested rate', async () => {
    const [a, b, c] = await Promise.all([faultsOf(7, 1000), faultsOf(7, 1000), faultsOf(8, 100)]);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a.slice(0, 100));
    const faulted = a.filter((kind) => kind !== undefined);
    expect(faulted.length).toBeGreaterThanOrEqual(150);
    expect(faulted.length).toBeLessThanOrEqual(250);
    expect(new Set(faulted)).toEqual(new Set(nonBlocking));
  });

  it('never faults the same URL twice in a row, so one retry always gets through', async () => {
    await withServer({ rate: 1, kinds: ['500'] }, async (server) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/api/items/1`)).status);
      expect(statuses).toEqual([500, 200, 500, 200]);
    });
    await withServer({ rate: 0.9, seed: 3, kinds: nonBlocking }, async (server) => {
      for (let i = 0; i < 30; i++) {
        const url = `${server.url}/api/items/${(i % 5) + 1}`;
        const first = await fetch(url);
        if (first.status !== 200) expect((await fetch(url)).status).toBe(200);
      }
    });
  });

  it('only faults paths matching `only`', async () => {
    await withServer({ rate: 1, kinds: ['500'], only: /^\/api\/items\// }, async (server) => {
      expect((await fetch(`${server.url}/api/echo`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/items/2`)).status).toBe(500);
    });
  });

  it("'reset' sends status and headers, then drops the connection mid-body", async () => {
    await withServer({ rate: 1, kinds: ['reset'] }, async (server) => {
      const url = `${server.url}/api/link/items?per_page=50`;
      const res = await request(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      const declared = Number(res.headers['content-length']);
      let received = 0;
      const reading = (async () => {
        for await (const chunk of res.body) received += (chunk as Buffer).length;
      })();
      await expect(reading).rejects.toThrow();
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThan(declared);
      expect(server.requests[0]?.fault).toBe('reset');
      const retried = await fetch(url);
      expect(((await retried.json()) as unknown[]).length).toBe(50);
    });
  });

  it('records violations when a client ignores Retry-After, until the clock passes it', async () => {
    await withServer({ rate: 1, kinds: ['429'], retryAfterSeconds: 2 }, async (server, clock) => {
      const url = `${server.url}/api/items/1`;
      const first = await fetch(url);
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('2');
      expect(server.violations).toHaveLength(0);

      const impatient = await fetch(url);
      expect(impatient.status).toBe(429);
      expect(server.violations.map((r) => r.id)).toEqual([impatient.headers.get('x-request-id')]);

      clock.advance(2000);
      expect((await fetch(url)).status).toBe(200);
      expect(server.violations).toHaveLength(1);
    });
  });

  it('answers the rate-limit faults in the generic shape (each simulator gives its own)', async () => {
    await withServer({ rate: 1, kinds: ['403-primary'], retryAfterSeconds: 5 }, async (server, clock) => {
      const res = await fetch(`${server.url}/api/items/1`);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBe((clock.now() + 5000) / 1000);
      expect(await res.json()).toEqual({ message: 'rate limit exceeded' });
    });
    await withServer({ rate: 1, kinds: ['403-secondary'] }, async (server) => {
      const res = await fetch(`${server.url}/api/items/1`);
      expect(res.status).toBe(403);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({ message: 'secondary rate limit exceeded' });
    });
  });

  it('answers 5xx, truncated JSON and slow responses', async () => {
    await withServer({ rate: 1, kinds: ['502'] }, async (server) => {
      const res = await fetch(`${server.url}/api/items/1`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('text/html');
    });
    await withServer({ rate: 1, kinds: ['invalid-json'] }, async (server) => {
      const res = await fetch(`${server.url}/api/items/1`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text.length).toBeGreaterThan(0);
      expect(() => JSON.parse(text)).toThrow();
      expect(res.headers.get('x-request-id')).toMatch(/^req-/);
    });
    await withServer({ rate: 1, kinds: ['slow'], slowMs: 40 }, async (server) => {
      const started = Date.now();
      const res = await fetch(`${server.url}/api/items/1`);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(35);
      expect(server.requests[0]?.fault).toBe('slow');
    });
  });
});

describe('parseFaultSpec, the contract form (docs/testing.md)', () => {
  it('reads kind:probability pairs, seed and latency', () => {
    expect(parseFaultSpec('429:0.1,502:0.05,reset:0.05,seed:1')).toEqual({
      rate: 0.1 + 0.05 + 0.05,
      seed: 1,
      rates: { '429': 0.1, '502': 0.05, reset: 0.05 },
    });
    expect(parseFaultSpec('500:0.2,latency:20ms-200ms')).toMatchObject({
      latency: { minMs: 20, maxMs: 200 },
    });
  });

  it.each([
    ['teapot:0.1', /unknown key "teapot"/],
    ['429:2', /between 0 and 1/],
    ['429:0.6,502:0.6', /add up to 1.2, more than 1/],
    ['latency:fast', /"latency" must look like 20ms-200ms/],
    ['429:0.1,429:0.2', /"429" given twice/],
  ])('rejects %j', (text, message) => {
    expect(() => parseFaultSpec(text)).toThrow(message);
  });

  it('draws each kind at about its own rate, reproducibly', async () => {
    const run = async () => {
      let kinds: (string | undefined)[] = [];
      await withServer(parseFaultSpec('500:0.1,503:0.3,seed:5'), async (server) => {
        for (let i = 0; i < 600; i++) await (await request(`${server.url}/api/items/1?i=${i}`)).body.dump();
        kinds = server.requests.map((r) => r.fault);
      });
      return kinds;
    };
    const [a, b] = await Promise.all([run(), run()]);
    expect(b).toEqual(a);
    const count = (k: string) => a.filter((f) => f === k).length;
    expect(count('500')).toBeGreaterThan(30);
    expect(count('500')).toBeLessThan(95);
    expect(count('503')).toBeGreaterThan(140);
    expect(count('503')).toBeLessThan(230);
  });
});
