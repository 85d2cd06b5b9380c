/**
 * Delivery verification (docs/webhooks.md, "Verification"), over the raw bytes as received and in
 * constant time: an HMAC of the body (GitHub's X-Hub-Signature-256, docs.github.com "Validating
 * webhook deliveries"; Jira's X-Hub-Signature), or a shared secret sent verbatim in a header.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A `verify` block with its secret rendered. */
export type VerifyConfig =
  | { type: 'hmac-sha256' | 'hmac-sha1'; header: string; prefix?: string; secret: string }
  | { type: 'header'; header: string; secret: string }
  | { type: 'none' };

/** Reads a request header by name (case-insensitive); undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;

/** Why a delivery was refused; never quotes the header's value (it may be a secret). */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * A verifier for one `verify` block: `(rawBody, header) => result`.
 * @example
 * const verify = createVerifier({ type: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', secret });
 * verify(body, (name) => req.headers[name.toLowerCase()]); // { ok: true }
 */
export function createVerifier(
  config: VerifyConfig,
): (body: Uint8Array, header: HeaderLookup) => VerifyResult {
  if (config.type === 'none') return () => ({ ok: true });
  const secret = Buffer.from(config.secret, 'utf8');
  if (secret.length === 0) throw new Error('webhooks.verify.secret is empty');
  const { header } = config;
  if (config.type === 'header') {
    return (_body, lookup) => {
      const sent = lookup(header);
      if (sent === undefined) return { ok: false, reason: `missing ${header} header` };
      return sameBytes(Buffer.from(sent, 'utf8'), secret)
        ? { ok: true }
        : { ok: false, reason: `${header} does not match` };
    };
  }
  const algorithm = config.type === 'hmac-sha256' ? 'sha256' : 'sha1';
  const prefix = config.prefix ?? '';
  return (body, lookup) => {
    const sent = lookup(header);
    if (sent === undefined) return { ok: false, reason: `missing ${header} header` };
    if (!sent.startsWith(prefix)) return { ok: false, reason: `${header} does not start with ${prefix}` };
    const hex = sent.slice(prefix.length).trim();
    // Hex digits only (either case, as RFC 4648 §8 allows); anything else cannot be a signature.
    if (!/^[0-9a-fA-F]*$/.test(hex)) return { ok: false, reason: `${header} is not a hex signature` };
    const expected = createHmac(algorithm, secret).update(body).digest();
    return sameBytes(Buffer.from(hex, 'hex'), expected)
      ? { ok: true }
      : { ok: false, reason: `${header} does not match the body` };
  };
}

/**
 * Constant-time equality. timingSafeEqual needs equal lengths, so both sides are compared as
 * HMACs under a random key: the work does not depend on where, or whether, they differ.
 */
function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length === b.length) return timingSafeEqual(a, b);
  const ha = createHmac('sha256', COMPARE_KEY).update(a).digest();
  const hb = createHmac('sha256', COMPARE_KEY).update(b).digest();
  return timingSafeEqual(ha, hb) && false;
}

const COMPARE_KEY = randomBytes(32);
