import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { serve } from './serve.js';

describe('serve', () => {
  it('serves any Hono app on 127.0.0.1 and closes despite keep-alive connections', async () => {
    const app = new Hono().get('/hello', (c) => c.json({ hello: 'world' }));
    const served = await serve(app);
    expect(served.origin).toBe(`http://127.0.0.1:${served.port}`);
    expect(served.port).toBeGreaterThan(0);
    const res = await fetch(`${served.url}/hello`);
    expect(await res.json()).toEqual({ hello: 'world' });
    const started = Date.now();
    await served.close();
    await served.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${served.url}/hello`)).rejects.toThrow();
  });

  it('binds the given port, and rejects when that port is taken', async () => {
    const app = new Hono().get('/hello', (c) => c.text('hi'));
    const probe = await serve(app);
    const { port } = probe;
    await probe.close();
    const served = await serve(app, { port });
    try {
      expect(served.port).toBe(port);
      expect(served.url).toBe(`http://127.0.0.1:${port}`);
      expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('hi');
      await expect(serve(app, { port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await served.close();
    }
  });
});
