/**
 * Secret redaction. Two nets: query parameters whose names look secret, and the
 * literal secret values a client knows about (tokens, passwords, API keys), so a
 * secret echoed back in a body excerpt or URL is caught too.
 */

const SECRET_PARAM =
  /^(access_token|refresh_token|id_token|token|api[-_]?key|apikey|key|client_secret|password|secret|signature|sig|auth|authorization|code)$/i;

const MASK = '***';

/** Keeps the set of secret values to scrub from every string leaving the client. */
export class Redactor {
  readonly #secrets = new Set<string>();
  readonly #sources: Array<() => Iterable<string | undefined>> = [];

  /** Track secrets that change over time (a refreshed OAuth token): read at every redaction. */
  track(source: () => Iterable<string | undefined>): void {
    this.#sources.push(source);
  }

  /** Register a secret value (ignored when shorter than 4 characters: too likely to be a false hit). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) {
      this.#secrets.add(secret);
      // The encoded forms travel in URLs and Basic headers.
      this.#secrets.add(encodeURIComponent(secret));
      this.#secrets.add(Buffer.from(secret).toString('base64'));
    }
  }

  /** Replace every known secret in `text` with `***`. */
  text(text: string): string {
    let out = text;
    for (const source of this.#sources) for (const secret of source()) this.add(secret);
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /** A URL string with secret-looking query values and userinfo masked, then known secrets scrubbed. */
  url(input: URL | string): string {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      return this.text(String(input));
    }
    if (url.username) url.username = MASK;
    if (url.password) url.password = MASK;
    for (const name of [...url.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) url.searchParams.set(name, MASK);
    }
    // URLSearchParams encodes `*`; keep the mask readable.
    return this.text(url.toString().replaceAll('%2A%2A%2A', MASK));
  }
}
