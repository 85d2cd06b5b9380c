import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { Agent, interceptors } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { createClient } from './client.js';
import { Redactor } from './redact.js';
import { decodeJson } from './response.js';
import { createTransport, type TransportOptions } from './transport.js';
import type { HttpResponse } from './types.js';

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.();
});

/** A loopback server; `handle` also sees the request headers. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function transport(options: Partial<TransportOptions> = {}) {
  const dispatcher = new Agent();
  open.push(() => dispatcher.close());
  return createTransport({
    dispatcher,
    timeout: 30_000,
    maxResponseSize: 50 * 1024 * 1024,
    redactor: new Redactor(),
    ...options,
  });
}

const get = (url: string) => ({ method: 'GET', url: new URL(url), headers: {} });

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('transport: connection.deadline bounds a whole response', () => {
  it('a body trickling one byte per 300 ms fails with E_TIMEOUT at the deadline', async () => {
    let sent = 0;
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // Each gap (300 ms) is far inside `timeout`, so only the deadline can end this.
      const timer = setInterval(() => {
        sent++;
        res.write(sent % 2 ? '1' : ',');
      }, 300);
      res.on('close', () => clearInterval(timer));
    });
    const send = transport({ timeout: 10_000, deadline: 1000 });
    const error = await failure(send(get(`${base}/slow`)));
    expect(isInletError(error, 'E_TIMEOUT')).toBe(true);
    // Without the deadline the body never ends and the test times out.
    expect(error.message).toBe(`response not complete within the 1s deadline (GET ${base}/slow)`);
  });

  it('a body that completes before the deadline is returned whole', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200);
      res.write('[1,');
      setTimeout(() => res.end('2]'), 50);
    });
    const res = await transport({ deadline: 5000 })(get(`${base}/`));
    expect(Buffer.from(res.body).toString()).toBe('[1,2]');
  });

  it('createClient and the manifest pass deadline through; 0 is refused', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{');
      const timer = setInterval(() => res.write(' '), 300);
      res.on('close', () => clearInterval(timer));
    });
    const client = createClient({ baseUrl: base, deadline: '1s', retry: false });
    open.push(() => client.close());
    expect(await failure(client.get('/x'))).toMatchObject({ code: 'E_TIMEOUT' });
    expect(() => createClient({ baseUrl: base, deadline: 0 })).toThrow(
      'deadline: must be more than 0 (a time limit of 0 would never end)',
    );
    expect(() => createClient({ baseUrl: base, timeout: '0s' })).toThrow(/^timeout: must be more than 0/);
  });
});

describe('transport: content-encoding', () => {
  const json = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `n${i}` })) });

  it.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
  ] as const)('decodes a %s body, asking for gzip and br', async (coding, encode) => {
    let asked: string | undefined;
    const base = await serve((req, res) => {
      asked = req.headers['accept-encoding'];
      const body = encode(json);
      res.writeHead(200, { 'content-encoding': coding, 'content-length': body.length });
      res.end(body);
    });
    const res = await transport()(get(`${base}/`));
    expect(asked).toBe('gzip, br');
    expect(Buffer.from(res.body).toString()).toBe(json);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBeUndefined();
  });

  it("keeps the caller's accept-encoding", async () => {
    let asked: string | undefined;
    const base = await serve((req, res) => {
      asked = req.headers['accept-encoding'];
      res.end('{}');
    });
    await transport()({ ...get(`${base}/`), headers: { 'accept-encoding': 'identity' } });
    expect(asked).toBe('identity');
  });

  it('a gzip bomb (64 MiB decoded from a tiny body) is E_RESPONSE, not 64 MiB in memory', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      res.end(bomb);
    });
    const error = await failure(transport()(get(`${base}/bomb`)));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect(error.message).toBe(`decoded response body larger than the 50 MiB limit (GET ${base}/bomb)`);
  });

  it('a corrupt or unknown coding is E_RESPONSE naming it', async () => {
    const base = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': req.url === '/zstd' ? 'zstd' : 'gzip' });
      res.end('not gzip at all');
    });
    const corrupt = await failure(transport()(get(`${base}/bad`)));
    expect(corrupt).toMatchObject({ code: 'E_RESPONSE', message: /^invalid gzip body: / });
    const unknown = await failure(transport()(get(`${base}/zstd`)));
    expect(unknown).toMatchObject({
      code: 'E_RESPONSE',
      message: /^content-encoding "zstd" is not supported/,
    });
  });
});

describe('decodeJson', () => {
  it('parses a body that starts with a UTF-8 BOM', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    const res: HttpResponse = {
      status: 200,
      headers: {},
      body,
      request: get('https://api.test/x'),
    };
    expect(decodeJson(res, new Redactor())).toEqual({ a: 1 });
  });
});

describe('transport: one exchange through the dispatcher', () => {
  it('an abort while the body arrives rejects with the reason and closes the connection', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const url = await serve((req, res) => {
      req.socket.once('close', closed);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[1,');
    });
    const controller = new AbortController();
    const pending = transport()({ ...get(url), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by the caller')), 50);
    const error = await failure(pending);
    expect(error.message).toBe('cancelled by the caller');
    await gone;
  });

  it('an abort while queued for a connection rejects at once, and the request is never sent', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const url = await serve((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/first') release = () => res.end('[]');
      else res.end('[]');
    });
    const dispatcher = new Agent({ connections: 1 });
    open.push(() => dispatcher.close());
    const send = transport({ dispatcher });
    const first = send(get(`${url}/first`));
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const controller = new AbortController();
    const queued = send({ ...get(`${url}/queued`), signal: controller.signal });
    controller.abort(new Error('not needed any more'));
    expect((await failure(queued)).message).toBe('not needed any more');
    release();
    expect((await first).status).toBe(200);
    // The connection is free again: a later request goes, the aborted one never did.
    expect((await send(get(`${url}/later`))).status).toBe(200);
    expect(seen).toEqual(['/first', '/later']);
  });

  it('a chunked body past the limit fails as it arrives and stops the download', async () => {
    let written = 0;
    let closed = false;
    const url = await serve((req, res) => {
      req.socket.once('close', () => {
        closed = true;
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = () => {
        if (closed || written > 64 * 1024 * 1024) return;
        written += 64 * 1024;
        if (res.write(Buffer.alloc(64 * 1024, 0x20))) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    const error = await failure(transport({ maxResponseSize: 256 * 1024 })(get(url)));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect(error.message).toContain('larger than the 262144 bytes limit');
    while (!closed) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('a stall in the body is E_TIMEOUT naming the body gap, a stall before the headers naming that wait', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
      }
    });
    const send = transport({ timeout: 200, deadline: 60_000 });
    const body = await failure(send(get(`${url}/body`)));
    expect(isInletError(body, 'E_TIMEOUT')).toBe(true);
    expect(body.message).toMatch(/^no response within 200 ms \(GET http:\/\/127\.0\.0\.1:\d+\/body\)$/);
    const headers = await failure(transport({ timeout: 60_000, deadline: 150 })(get(`${url}/headers`)));
    expect(isInletError(headers, 'E_TIMEOUT')).toBe(true);
    expect(headers.message).toContain('no response within 150 ms');
  });

  it('a connection reset mid-body is E_NETWORK', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('[1,2,');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const error = await failure(transport()(get(url)));
    expect(isInletError(error, 'E_NETWORK')).toBe(true);
  });

  it('a 103 Early Hints answer is skipped for the final response and its headers', async () => {
    const url = await serve((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { 'content-type': 'application/json', 'x-final': 'yes' });
      res.end('{"ok":true}');
    });
    const res = await transport()(get(url));
    expect(res.status).toBe(200);
    expect(res.headers['x-final']).toBe('yes');
    expect(res.headers.link).toBeUndefined();
    expect(decodeJson(res, new Redactor())).toEqual({ ok: true });
  });
});

describe('transport: a stopped exchange stays stopped', () => {
  it("an abort while a dispatcher's retry interceptor waits sends no further attempt", async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(req.url ?? '');
      if (seen.length === 1) {
        res.writeHead(503, { 'retry-after': '1' });
        res.end('busy');
      } else res.end('[]');
    });
    // A user's dispatcher (ClientOptions.dispatcher) may retry on its own: each attempt starts anew.
    const dispatcher = new Agent().compose(
      interceptors.retry({ maxRetries: 1, minTimeout: 300, maxTimeout: 300 }),
    );
    open.push(() => dispatcher.close());
    const controller = new AbortController();
    const pending = transport({ dispatcher })({ ...get(url), signal: controller.signal });
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('the caller gave up'));
    expect((await failure(pending)).message).toBe('the caller gave up');
    // Past the interceptor's 1 s wait (retry-after): the attempt it would start must not arrive.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(seen).toEqual(['/']);
  });

  it('a signal aborted with no Error as its reason rejects with undici’s RequestAbortedError', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    const send = transport();
    const before = new AbortController();
    before.abort(null);
    const early = await failure(send({ ...get(url), signal: before.signal }));
    expect((early as { code?: string }).code).toBe('UND_ERR_ABORTED');
    const during = new AbortController();
    const pending = send({ ...get(url), signal: during.signal });
    setTimeout(() => during.abort(null), 50);
    expect((await failure(pending)).code).toBe('UND_ERR_ABORTED');
  });
});
