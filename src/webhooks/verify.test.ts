import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type HeaderLookup } from './verify.js';

const SECRET = 'It\u2019s a Secret to Everybody';
const body = Buffer.from('{"action":"opened","number":1}');
const sign = (raw: Uint8Array, secret = SECRET, algorithm = 'sha256') =>
  createHmac(algorithm, secret).update(raw).digest('hex');
const headers =
  (map: Record<string, string>): HeaderLookup =>
  (name) =>
    map[name.toLowerCase()];

describe('createVerifier', () => {
  const github = createVerifier({
    type: 'hmac-sha256',
    header: 'X-Hub-Signature-256',
    prefix: 'sha256=',
    secret: SECRET,
  });

  it('accepts GitHub’s documented test vector', () => {
    // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
    const verify = createVerifier({
      type: 'hmac-sha256',
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
      secret: "It's a Secret to Everybody",
    });
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verify(Buffer.from('Hello, World!'), headers({ 'x-hub-signature-256': signature }))).toEqual({
      ok: true,
    });
  });

  it('accepts the right signature, in lower or upper case hex', () => {
    const hex = sign(body);
    expect(github(body, headers({ 'x-hub-signature-256': `sha256=${hex}` })).ok).toBe(true);
    expect(github(body, headers({ 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` })).ok).toBe(true);
  });

  it('refuses a wrong secret, a tampered byte, a missing header, a wrong prefix, a short or odd signature', () => {
    const good = `sha256=${sign(body)}`;
    const tampered = Buffer.from(body);
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    const cases: Array<[Uint8Array, Record<string, string>, RegExp]> = [
      [body, { 'x-hub-signature-256': `sha256=${sign(body, 'wrong')}` }, /does not match/],
      [tampered, { 'x-hub-signature-256': good }, /does not match/],
      [body, {}, /missing X-Hub-Signature-256/],
      [body, { 'x-hub-signature-256': `sha1=${sign(body)}` }, /does not start with sha256=/],
      [body, { 'x-hub-signature-256': sign(body) }, /does not start with/],
      [body, { 'x-hub-signature-256': good.slice(0, -2) }, /does not match/],
      [body, { 'x-hub-signature-256': 'sha256=' }, /does not match/],
      [body, { 'x-hub-signature-256': `${good}zz` }, /not a hex signature/],
      [body, { 'x-hub-signature-256': `sha256=${sign(body, SECRET, 'sha1')}` }, /does not match/],
    ];
    for (const [raw, sent, reason] of cases) {
      const result = github(raw, headers(sent));
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).toMatch(reason);
      expect(JSON.stringify(result)).not.toContain(SECRET);
    }
  });

  it('hmac-sha1 with a prefix, as X-Hub-Signature', () => {
    const verify = createVerifier({
      type: 'hmac-sha1',
      header: 'X-Hub-Signature',
      prefix: 'sha1=',
      secret: SECRET,
    });
    expect(verify(body, headers({ 'x-hub-signature': `sha1=${sign(body, SECRET, 'sha1')}` })).ok).toBe(true);
    expect(verify(body, headers({ 'x-hub-signature': `sha1=${sign(body)}` })).ok).toBe(false);
  });

  it('header: the shared secret verbatim, any other value or length refused', () => {
    const verify = createVerifier({ type: 'header', header: 'X-Inlet-Secret', secret: SECRET });
    expect(verify(body, headers({ 'x-inlet-secret': SECRET })).ok).toBe(true);
    for (const sent of [`${SECRET} `, SECRET.slice(1), '', SECRET.toUpperCase()]) {
      expect(verify(body, headers({ 'x-inlet-secret': sent })).ok).toBe(false);
    }
    expect(verify(body, headers({}))).toEqual({ ok: false, reason: 'missing X-Inlet-Secret header' });
  });

  it('none accepts anything; an empty secret is refused when building', () => {
    expect(createVerifier({ type: 'none' })(body, headers({})).ok).toBe(true);
    expect(() => createVerifier({ type: 'header', header: 'X-S', secret: '' })).toThrow(/empty/);
  });
});
