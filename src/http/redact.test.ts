import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';
import { errorForResponse } from './response.js';
import type { HttpResponse } from './types.js';

// Every character URLSearchParams encodes differently from encodeURIComponent, plus a space and `/+=`.
const SECRET = "s3cr~t(v)al!ue's 42/+=x";

function redactor(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

/** Every form a secret travels in, each of which must never survive redaction. */
const forms = (s: string): Record<string, string> => ({
  raw: s,
  encodeURIComponent: encodeURIComponent(s),
  URLSearchParams: new URLSearchParams({ v: s }).toString().slice(2),
  'lower-case hex': encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  base64: Buffer.from(s).toString('base64'),
  'base64 unpadded': Buffer.from(s).toString('base64').replace(/=+$/, ''),
  base64url: Buffer.from(s).toString('base64url'),
  'JSON string': JSON.stringify(s).slice(1, -1),
});

describe('Redactor.text', () => {
  it.each(Object.entries(forms(SECRET)))('masks the %s form', (_, form) => {
    const out = redactor(SECRET).text(`before ${form} after`);
    expect(out).toBe('before *** after');
  });

  it('masks secrets registered later and tracked secrets that change', () => {
    let token = 'first-token';
    const r = new Redactor();
    r.track(() => [token]);
    expect(r.text('a first-token b')).toBe('a *** b');
    token = 'second-token';
    r.add('late-secret');
    expect(r.text('first-token second-token late-secret')).toBe('*** *** ***');
  });

  it('ignores values shorter than 4 characters and masks the longer of two overlapping secrets whole', () => {
    const r = redactor('abc', 'token', 'token-long');
    expect(r.text('abc token-long token')).toBe('abc *** ***');
  });

  it('says whether a text holds a secret in any form', () => {
    const r = redactor(SECRET);
    expect(r.contains(`x ${Buffer.from(SECRET).toString('base64url')}`)).toBe(true);
    expect(r.contains('nothing here')).toBe(false);
    expect(new Redactor().contains(SECRET)).toBe(false);
  });
});

describe('Redactor.url', () => {
  it.each(['private_token', 'hapikey', 'x_custom', 'q'])(
    'masks a known secret in ?%s= whatever the name, keeping other parameters',
    (name) => {
      const r = redactor(SECRET);
      const url = new URL('https://api.example.com/v1/items');
      url.searchParams.set('page', '2');
      url.searchParams.set(name, SECRET);
      const out = r.url(url);
      for (const form of Object.values(forms(SECRET))) expect(out).not.toContain(form);
      expect(out).toContain('page=2');
      expect(out).toContain(`${name}=***`);
    },
  );

  it('masks a known secret written with encodeURIComponent in the query or in a path segment', () => {
    const r = redactor(SECRET);
    const raw = `https://api.example.com/keys/${encodeURIComponent(SECRET)}/items?k=${encodeURIComponent(SECRET)}&page=3`;
    const out = r.url(raw);
    expect(out).toBe('https://api.example.com/keys/***/items?k=***&page=3');
  });

  it.each(['private_token', 'hapikey', 'access_token', 'privateToken', 'X-Amz-Signature', 'api-key', 'key'])(
    'masks ?%s= by its name even when the value is unknown',
    (name) => {
      const out = new Redactor().url(`https://api.example.com/x?${name}=unknown-value&page=1`);
      expect(out).toBe(`https://api.example.com/x?${name}=***&page=1`);
    },
  );

  it('masks userinfo', () => {
    expect(new Redactor().url('https://user:pw@api.example.com/x')).toBe('https://***:***@api.example.com/x');
  });
});

describe('Redactor.excerpt', () => {
  it('masks a secret that straddles the cut instead of leaving its first characters', () => {
    const token = 'glpat-abcdefghijklmnopqrst';
    const body = Buffer.from(`${'x'.repeat(1014)}${token}${'y'.repeat(200)}`);
    const out = redactor(token).excerpt(body, 1024);
    expect(out).toBe(`${'x'.repeat(1014)}***`);
    expect(out).not.toContain('glpat');
  });

  it('drops a secret that starts after the cut, and masks one before it', () => {
    const token = 'tok-0123456789abcdef';
    const body = Buffer.from(`${token}${'x'.repeat(20)}${token}`);
    expect(redactor(token).excerpt(body, 30)).toBe(`***${'x'.repeat(10)}`);
  });

  it('masks an encoded form straddling the cut in multi-byte text', () => {
    const body = Buffer.from(`${'é'.repeat(500)}${encodeURIComponent(SECRET)}${'z'.repeat(2000)}`);
    const out = redactor(SECRET).excerpt(body, 1024);
    expect(out).toBe(`${'é'.repeat(500)}***`);
  });

  it('is the plain decoded prefix when no secret is known', () => {
    expect(new Redactor().excerpt(Buffer.from('abcdef'), 3)).toBe('abc');
  });
});

describe('errors built from responses', () => {
  const response = (body: string, url: string): HttpResponse => ({
    status: 500,
    headers: {},
    body: Buffer.from(body),
    request: { method: 'GET', url: new URL(url), headers: {} },
  });

  it('carry no form of the secret in message, URL or a 1 KiB body excerpt cut inside the secret', () => {
    const r = redactor(SECRET);
    const echoed = Object.values(forms(SECRET)).join(' | ');
    const body = `${'.'.repeat(1024 - 8)}${SECRET} ${echoed}`;
    const url = `https://api.example.com/x?private_token=${encodeURIComponent(SECRET)}&other=${new URLSearchParams({ v: SECRET }).toString().slice(2)}`;
    const error = errorForResponse(response(body, url), r, 0);
    const text = [error?.message, error?.url, error?.body, JSON.stringify(error)].join('\n');
    for (const form of Object.values(forms(SECRET))) expect(text).not.toContain(form);
    expect(text).not.toContain(SECRET.slice(0, 8));
    expect(error?.body?.endsWith('***')).toBe(true);
  });
});

describe('engine warnings passed through Redactor.text', () => {
  it("mask the maxItemsPerChain warning's query, which the engine form-encodes", () => {
    const token = "glpat-x~y(z)!'1 2";
    const where = `/ok?${new URLSearchParams({ private_token: token, page: '1' })}`;
    const out = redactor(token).text(`item: maxItemsPerChain (5) reached for ${where}; the rest is not read`);
    expect(out).toBe(
      'item: maxItemsPerChain (5) reached for /ok?private_token=***&page=1; the rest is not read',
    );
  });
});
