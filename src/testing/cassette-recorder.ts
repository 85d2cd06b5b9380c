/**
 * Recording through the client's policy seam (no monkey-patching): one policy at `beforeRetry`
 * keeps each call's final response (one per redirect hop, after the retries), tagged with the kind
 * whose chain made it; one at `beforeTransport` sees the attempt on the wire with credentials
 * attached and collects their values, so the scrubber knows every credential that was sent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { logContext } from '../http/log.js';
import { isSecretParam, Redactor } from '../http/redact.js';
import type { HttpRequest, Policy } from '../http/types.js';
import type { Cassette } from './cassette.js';
import { cassetteRequest, cassetteResponse, relativizer, stringScrub } from './cassette-scrub.js';

interface Captured {
  kind: string;
  method: string;
  url: URL;
  body: string | Uint8Array | undefined;
  response?: { status: number; headers: Record<string, string>; body: Uint8Array };
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

export interface CassetteRecorder {
  /** Pass as `connect: { policies }` to a sync (ConnectOptions.policies). */
  readonly policies: { beforeRetry: Policy[]; beforeTransport: Policy[] };
  /** Credential values seen on the wire (header values, their tokens, credential query values). */
  credentials(): string[];
  /** How many calls were recorded so far. */
  readonly size: number;
  /**
   * The cassettes by kind, relative to `baseUrl`, with every value `redactor` knows (plus every
   * credential seen) masked. `headers` are response headers the manifest names, kept beside the defaults.
   */
  cassettes(options: { baseUrl: URL; redactor: Redactor; headers?: string[] }): Map<string, Cassette>;
}

/**
 * @example
 * const recorder = createRecorder();
 * await integration.sync({ db, connect: { policies: recorder.policies } });
 * const cassettes = recorder.cassettes({ baseUrl: new URL(url), redactor });
 */
export function createRecorder(): CassetteRecorder {
  const captured: Captured[] = [];
  const credentials = new Set<string>();
  // The call being recorded, so the wire attempt (auth's query parameters added) updates its URL.
  const call = new AsyncLocalStorage<Captured>();

  const record: Policy = (next) => async (req) => {
    const entry: Captured = { kind: kindOf(req), method: req.method, url: req.url, body: req.body };
    // Pushed before the call, so the order is the order requests were made (a chain's pages in turn).
    captured.push(entry);
    const res = await call.run(entry, () => next(req));
    entry.response = { status: res.status, headers: res.headers, body: res.body };
    return res;
  };
  const harvest: Policy = (next) => (req) => {
    for (const [name, value] of Object.entries(req.headers)) {
      if (CREDENTIAL_HEADERS.has(name) || isSecretParam(name)) addCredential(credentials, value);
    }
    for (const [name, value] of req.url.searchParams) if (isSecretParam(name)) credentials.add(value);
    const entry = call.getStore();
    if (entry) entry.url = req.url;
    return next(req);
  };

  return {
    policies: { beforeRetry: [record], beforeTransport: [harvest] },
    credentials: () => [...credentials],
    get size() {
      return captured.length;
    },
    cassettes({ baseUrl, redactor, headers }) {
      for (const value of credentials) redactor.add(value);
      const scrub = stringScrub(relativizer(baseUrl), redactor);
      const out = new Map<string, Cassette>();
      for (const entry of captured) {
        if (!entry.response) continue; // the call failed without a response (a network error)
        const { status, headers: resHeaders, body } = entry.response;
        const cassette = out.get(entry.kind) ?? [];
        cassette.push({
          request: cassetteRequest(entry.method, entry.url, entry.body, baseUrl, scrub),
          response: cassetteResponse(status, resHeaders, body, scrub, headers),
        });
        out.set(entry.kind, cassette);
      }
      return out;
    },
  };
}

/** The kind a request belongs to: its chain's (`pages({ kind })`), else the engine's log context. */
function kindOf(req: HttpRequest): string {
  const kind = req.kind ?? logContext()?.kind;
  return kind === undefined ? 'requests' : String(kind);
}

/** A header value, and the token inside it: `Bearer X` → X, `Basic b64` → b64, user:pass, pass. */
function addCredential(credentials: Set<string>, value: string): void {
  credentials.add(value);
  const match = /^(\w+)\s+(.+)$/.exec(value.trim());
  if (!match) return;
  const [, scheme, token] = match as unknown as [string, string, string];
  credentials.add(token);
  if (scheme.toLowerCase() === 'basic') {
    const pair = Buffer.from(token, 'base64').toString('utf8');
    credentials.add(pair);
    const colon = pair.indexOf(':');
    if (colon >= 0) credentials.add(pair.slice(colon + 1));
  }
}

/** A Redactor holding `secrets` (the integration's secret settings), ready for `cassettes()`. */
export function scrubberOf(secrets: Iterable<string>): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
