import { Agent, type Dispatcher } from 'undici';
import { ConfigError } from '../errors/errors.js';
import {
  type Auth,
  apiKeyAuth,
  basicAuth,
  bearerAuth,
  noAuth,
  type OAuth2Options,
  oauth2Auth,
} from '../http/auth/index.js';
import type { BudgetStore } from '../http/budget-store.js';
import { type Client, type ClientOptions, createClient } from '../http/client.js';
import { type Clock, type Random, systemClock } from '../http/clock.js';
import type { Logger } from '../http/log.js';
import { Redactor } from '../http/redact.js';
import { createTransport } from '../http/transport.js';
import type { EventSink } from '../http/types.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/schema.js';
import { placeholders, renderTemplate, type TemplateScope } from '../manifest/template.js';

export interface ConnectOptions {
  /** `false` for a single attempt (`inlet check` wants a verdict, not patience). */
  retry?: false;
  logger?: Logger;
  onEvent?: EventSink;
  /** Time for timeouts, waits and token expiry (a VirtualClock in tests). @default systemClock */
  clock?: Clock;
  /** Retry jitter, in [0, 1). @default Math.random */
  random?: Random;
  /**
   * The transport for the API and its OAuth token endpoint (record/replay, a MockAgent, a proxy);
   * the caller owns it: closing the client leaves it open. @default a new undici Agent, closed with the client
   */
  dispatcher?: Dispatcher;
  /** Extra policies at named points (see ClientOptions.policies). */
  policies?: ClientOptions['policies'];
  /** Where the rate budgets live; one store shared by several runs spends one quota. @default in memory */
  budgetStore?: BudgetStore;
}

type AuthSpec = Exclude<NonNullable<Manifest['connection']['auth']>, unknown[]>;
type RateLimitSpec = NonNullable<Manifest['connection']['rateLimit']>;

/**
 * The HTTP client for a loaded manifest (§3): templates rendered with the settings, `when:`
 * choosing the auth and the rate-limit entry, and every secret setting registered for redaction.
 */
export function connect(loaded: LoadedManifest, options: ConnectOptions = {}): Client {
  const { connection } = loaded.manifest;
  const scope: TemplateScope = { config: loaded.settings.values };
  const render = (template: string) => renderTemplate(template, scope);
  const baseUrl = render(connection.baseUrl);
  if (!baseUrl) throw new ConfigError('connection.baseUrl: renders empty (is its setting set?)');
  const retry = connection.retry;
  const retryOptions = retry && {
    attempts: retry.attempts,
    statuses: retry.statuses,
    backoff: retry.backoff && {
      initial: retry.backoff.initial ?? 500,
      max: retry.backoff.max ?? 60_000,
    },
    maxWait: retry.maxWait,
  };
  // One dispatcher for the API and its OAuth token endpoint; an Agent of our own is closed with the client.
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? new Agent({ connections: (connection.concurrency ?? 8) * 2 });
  const clientOptions: ClientOptions = {
    baseUrl,
    dispatcher,
    auth: buildAuth(connection.auth, render, baseUrl, dispatcher, {
      clock: options.clock,
      retry: options.retry === false ? false : retryOptions,
      onEvent: options.onEvent,
    }),
    // Every connection header stays at baseUrl's origin (the client's `headers` rule).
    headers: Object.fromEntries(Object.entries(connection.headers ?? {}).map(([k, v]) => [k, render(v)])),
    credentialHeaders: credentialHeaders(loaded.manifest),
    rateLimit: chooseRateLimit(connection.rateLimit, render),
    retry: options.retry === false ? false : retryOptions,
    timeout: connection.timeout,
    deadline: connection.deadline,
    concurrency: connection.concurrency,
    allowInsecure: connection.allowInsecure,
    logger: options.logger,
    onEvent: options.onEvent,
    clock: options.clock,
    random: options.random,
    policies: options.policies,
    budgetStore: options.budgetStore,
  };
  const client = createClient(clientOptions);
  for (const secret of loaded.settings.secrets) client.redactor.add(secret);
  return {
    ...client,
    async close() {
      await client.close();
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** `when:` is true when it renders non-empty (§3: "auth is used only if this renders non-empty"). */
const applies = (when: string | undefined, render: (t: string) => string) =>
  when === undefined || render(when) !== '';

/**
 * Header names that carry a credential (issue 8): a `request.headers` entry whose template reads a
 * `secret` setting, and an apiKey sent in a header. The client drops them on another origin.
 */
function credentialHeaders(manifest: Manifest): string[] {
  const secret = new Set(
    Object.entries(manifest.config ?? {})
      .filter(([, setting]) => setting.type === 'secret')
      .map(([key]) => key),
  );
  const readsSecret = (template: string) =>
    placeholders(template).some((expression) => {
      const [root, key] = expression.split('.');
      return root === 'config' && key !== undefined && secret.has(key);
    });
  const names = Object.values(manifest.resources).flatMap((resource) =>
    Object.entries(resource.request.headers ?? {})
      .filter(([, template]) => readsSecret(template))
      .map(([name]) => name),
  );
  const auth = manifest.connection.auth;
  for (const spec of Array.isArray(auth) ? auth : auth ? [auth] : []) {
    if (spec.type === 'apiKey' && spec.in === 'header') names.push(spec.name);
  }
  return names;
}

function buildAuth(
  specs: AuthSpec | AuthSpec[] | undefined,
  render: (t: string) => string,
  baseUrl: string,
  dispatcher: Dispatcher,
  token: { clock?: Clock; retry: OAuth2Options['retry']; onEvent?: EventSink },
): Auth {
  const spec = (Array.isArray(specs) ? specs : specs ? [specs] : []).find((s) => applies(s.when, render));
  if (!spec) return noAuth();
  // Capabilities, not a type switch in shared code: this table is the one place auth types are named.
  const factories: { [T in AuthSpec['type']]: (s: Extract<AuthSpec, { type: T }>) => Auth } = {
    none: () => noAuth(),
    bearer: (s) => bearerAuth(render(s.token)),
    basic: (s) => basicAuth(render(s.username), render(s.password)),
    apiKey: (s) => apiKeyAuth({ name: s.name, in: s.in, value: render(s.value), prefix: s.prefix }),
    oauth2: (s) => {
      const refreshToken = s.refreshToken === undefined ? undefined : render(s.refreshToken);
      return oauth2Auth({
        tokenUrl: new URL(render(s.tokenUrl), baseUrl).href,
        clientId: render(s.clientId),
        clientSecret: render(s.clientSecret),
        grant: s.grant,
        refreshToken: refreshToken || undefined,
        scopes: s.scopes,
        send: createTransport({
          dispatcher,
          timeout: 30_000,
          maxResponseSize: 1 << 20,
          redactor: new Redactor(),
        }),
        clock: token.clock ?? systemClock,
        retry: token.retry,
        onEvent: token.onEvent,
      });
    },
  };
  return (factories[spec.type] as (s: AuthSpec) => Auth)(spec);
}

function chooseRateLimit(
  spec: RateLimitSpec | undefined,
  render: (t: string) => string,
): ClientOptions['rateLimit'] {
  const entries = spec === undefined ? [] : Array.isArray(spec) ? spec : [spec];
  const chosen = entries.find((e) => applies(e.when, render));
  return (
    chosen && {
      requests: chosen.requests,
      per: chosen.per,
      strict: chosen.strict,
      spread: chosen.spread,
      headers: chosen.headers,
    }
  );
}
