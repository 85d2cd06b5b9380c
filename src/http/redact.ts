/**
 * Secret redaction. Two nets: query parameters whose names look secret, and the
 * literal secret values a client knows about (tokens, passwords, API keys) in every
 * form they travel in, so a secret echoed back in a body excerpt or URL is caught too.
 */

/** Parameter names that carry a credential whatever their value (GitLab `private_token`, HubSpot `hapikey` …). */
const SECRET_PARAM_NAMES = new Set([
  'key',
  'sig',
  'auth',
  'authorization',
  'code',
  'session',
  'sessionid',
  'jwt',
  'pass',
  'hapikey',
]);
const SECRET_PARAM_SUFFIXES = [
  'token',
  'secret',
  'password',
  'passwd',
  'apikey',
  'api_key',
  'api-key',
  'signature',
  'credential',
  'access_key',
  'private_key',
  'secret_key',
];

const MASK = '***';
/** Shorter values are not secrets worth matching: too likely to hit innocent text. */
const MIN_SECRET_LENGTH = 4;
/** A UTF-8 character is at most 4 bytes: the byte slack that holds any form of the longest secret. */
const MAX_BYTES_PER_CHAR = 4;

/** True for a query parameter name that names a credential (`access_token`, `privateToken`, `x-api-key`). */
export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_PARAM_NAMES.has(lower) || SECRET_PARAM_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/**
 * The forms a secret travels in: raw, `encodeURIComponent`, form encoding (`URLSearchParams`, which
 * also encodes `~ ( ) ! '` and writes a space as `+`), RFC 3986 strict encoding, lower-case hex
 * variants, base64 / base64url (padded or not) and JSON string escaping.
 */
function formsOf(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const strict = component.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const percent = [component, strict, form, form.replaceAll('+', '%20'), encodeURI(secret)];
  return [
    secret,
    ...percent,
    ...percent.map((p) => p.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Keeps the set of secret values to scrub from every string leaving the client. */
export class Redactor {
  readonly #secrets = new Set<string>();
  readonly #forms = new Set<string>();
  readonly #sources: Array<() => Iterable<string | undefined>> = [];
  #pattern: RegExp | undefined;
  #stale = false;
  #longest = 0;

  /** Track secrets that change over time (a refreshed OAuth token): read at every redaction. */
  track(source: () => Iterable<string | undefined>): void {
    this.#sources.push(source);
  }

  /** Register a secret value (ignored when shorter than 4 characters: too likely to be a false hit). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    for (const form of formsOf(secret)) {
      if (form.length < MIN_SECRET_LENGTH) continue;
      this.#forms.add(form);
      this.#longest = Math.max(this.#longest, form.length);
    }
    this.#stale = true;
  }

  /** One regular expression over every form of every secret, longest first so a longer form wins. */
  #current(): RegExp | undefined {
    for (const source of this.#sources) for (const secret of source()) this.add(secret);
    if (this.#stale) {
      const forms = [...this.#forms].sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
      this.#stale = false;
    }
    return this.#pattern;
  }

  /** True when `text` holds a known secret in any of its forms. */
  contains(text: string): boolean {
    const pattern = this.#current();
    if (!pattern) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  /** Replace every known secret, in any of its forms, in `text` with `***`. */
  text(text: string): string {
    const pattern = this.#current();
    return pattern ? text.replace(pattern, MASK) : text;
  }

  /**
   * The first `limit` bytes of `bytes` as UTF-8 text, redacted before the cut: a secret that
   * straddles the cut is masked whole instead of leaving its first characters in the excerpt.
   * @example redactor.excerpt(res.body, 1024)
   */
  excerpt(bytes: Uint8Array, limit: number): string {
    const decode = (end: number) =>
      Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(end, bytes.byteLength)).toString('utf8');
    const pattern = this.#current();
    const head = decode(limit);
    if (!pattern) return head;
    if (bytes.byteLength <= limit) return head.replace(pattern, MASK);
    // Decode enough past the cut to hold any secret that starts before it, mask, then cut at the
    // original position: a match starting before the cut is masked whole, one after it is dropped.
    const window = decode(limit + this.#longest * MAX_BYTES_PER_CHAR);
    const cut = head.length;
    let out = '';
    let last = 0;
    for (const match of window.matchAll(pattern)) {
      if (match.index >= cut) break;
      out += window.slice(last, match.index) + MASK;
      last = match.index + match[0].length;
    }
    return last < cut ? out + window.slice(last, cut) : out;
  }

  /**
   * A URL string with userinfo and secret-looking query values masked, and known secrets masked
   * wherever they are (any parameter name, a path segment), whatever their encoding.
   */
  url(input: URL | string): string {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      return this.text(String(input));
    }
    if (url.username) url.username = MASK;
    if (url.password) url.password = MASK;
    const segments = url.pathname.split('/');
    const cleanSegments = segments.map((segment) => {
      const decoded = safeDecode(segment);
      const clean = this.text(decoded);
      return clean === decoded ? segment : encodeURIComponent(clean).replaceAll('%2A', '*');
    });
    if (cleanSegments.some((segment, i) => segment !== segments[i])) url.pathname = cleanSegments.join('/');
    let changed = false;
    const params = [...url.searchParams].map(([name, value]): [string, string] => {
      const clean = isSecretParam(name) ? MASK : this.text(value);
      if (clean !== value) changed = true;
      return [this.text(name), clean];
    });
    if (changed) url.search = new URLSearchParams(params).toString();
    if (url.hash) url.hash = this.text(safeDecode(url.hash));
    // Form encoding keeps `*`, the path setter may encode it: keep the mask readable either way.
    return this.text(url.toString().replaceAll('%2A%2A%2A', MASK));
  }
}
