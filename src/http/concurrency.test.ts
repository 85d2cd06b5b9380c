import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { concurrencyPolicy } from './concurrency.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** A transport whose requests stay in flight until the test settles them (settling twice is a no-op). */
function gated() {
  const started: string[] = [];
  const gates: Array<{ ok: () => void; fail: (e: Error) => void }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const next = (req: HttpRequest): Promise<HttpResponse> => {
    started.push(req.url.pathname);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        inFlight--;
        action();
      };
      gates.push({
        ok: () => settle(() => resolve({ status: 200, headers: {}, body: new Uint8Array(), request: req })),
        fail: (e) => settle(() => reject(e)),
      });
    });
  };
  return { next, started, gates, stats: () => ({ inFlight, maxInFlight }) };
}

function req(path: string, signal?: AbortSignal): HttpRequest {
  return { method: 'GET', url: new URL(`https://api.example.com${path}`), headers: {}, signal };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrencyPolicy', () => {
  it('keeps at most `limit` requests in flight and starts the rest in FIFO order', async () => {
    const { next, started, gates, stats } = gated();
    const handler = concurrencyPolicy(3)(next);
    const all = ['/1', '/2', '/3', '/4', '/5', '/6', '/7'].map((p) => handler(req(p)));
    await tick();
    expect(started).toEqual(['/1', '/2', '/3']);
    // Finish out of order: the freed slots still go to the oldest waiters.
    gates[2]?.ok();
    gates[0]?.ok();
    await tick();
    expect(started).toEqual(['/1', '/2', '/3', '/4', '/5']);
    for (let i = 0; i < 7; i++) {
      gates[i]?.ok();
      await tick();
    }
    await Promise.all(all);
    expect(started).toEqual(['/1', '/2', '/3', '/4', '/5', '/6', '/7']);
    expect(stats()).toEqual({ inFlight: 0, maxInFlight: 3 });
  });

  it('lets a higher priority pass queued lower ones, first come first served within a priority', async () => {
    const { next, started, gates } = gated();
    const handler = concurrencyPolicy(1)(next);
    const at = (path: string, priority: number) => handler({ ...req(path), priority });
    const all = [at('/busy', 0), at('/low-1', 0), at('/low-2', 0), at('/high-1', 1), at('/high-2', 1)];
    await tick();
    for (let i = 0; i < 5; i++) {
      gates[i]?.ok();
      await tick();
    }
    await Promise.all(all);
    expect(started).toEqual(['/busy', '/high-1', '/high-2', '/low-1', '/low-2']);
  });

  it('releases the slot when the request fails', async () => {
    const { next, started, gates } = gated();
    const handler = concurrencyPolicy(1)(next);
    const first = handler(req('/fails'));
    const second = handler(req('/after'));
    await tick();
    gates[0]?.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual(['/fails', '/after']);
    gates[1]?.ok();
    expect((await second).status).toBe(200);
  });

  it('rejects and dequeues a request aborted while queued', async () => {
    const { next, started, gates } = gated();
    const handler = concurrencyPolicy(1)(next);
    const controller = new AbortController();
    const first = handler(req('/1'));
    const aborted = handler(req('/aborted', controller.signal));
    const third = handler(req('/3'));
    controller.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    gates[0]?.ok();
    await first;
    await tick();
    expect(started).toEqual(['/1', '/3']);
    gates[1]?.ok();
    await third;
  });

  it('rejects an already-aborted request without taking a slot', async () => {
    const { next, started } = gated();
    const handler = concurrencyPolicy(1)(next);
    await expect(handler(req('/x', AbortSignal.abort(new Error('gone'))))).rejects.toThrow('gone');
    handler(req('/y'));
    await tick();
    expect(started).toEqual(['/y']);
  });

  it('rejects a limit that is not a positive whole number', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      let error: unknown;
      try {
        concurrencyPolicy(limit);
      } catch (e) {
        error = e;
      }
      expect(isInletError(error, 'E_CONFIG')).toBe(true);
    }
  });
});
