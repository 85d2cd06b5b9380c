/**
 * `webhooks.register` (README "Webhook registration"): make sure the provider sends deliveries to
 * `inlet serve`. Per registration (one per `for:` element): `check` may we, `list` the provider's
 * hooks, and `create` ours only when no listed hook's URL is `{webhook.url}`, so running it again and
 * again never makes a duplicate. Every request goes through the integration's own client: auth,
 * retries, the rate budget and redaction of the webhook secret (a `secret` setting) apply.
 */
import { ConfigError, isInletError, PaginationError, ResponseError } from '../errors/errors.js';
import type { Client } from '../http/client.js';
import type { Logger } from '../http/log.js';
import type { PaginateSpec } from '../http/pagination/index.js';
import { type RegisterEntry, registerSchema } from '../manifest/register-schema.js';
import {
  placeholders,
  renderDeep,
  renderTemplate,
  renderValue,
  type TemplateScope,
} from '../manifest/template.js';
import { compileJq } from '../mapping/jq.js';
import { truthy } from '../mapping/jq-values.js';
import type { Integration } from '../sync/open-integration.js';

export interface RegisterOptions {
  /** Where the provider reaches `inlet serve` (`--public-url`), e.g. `https://hooks.example.com`. */
  publicUrl: string;
  /** The integration's client. @default integration.connect({ logger }), closed afterwards */
  client?: Client;
  logger?: Logger;
  signal?: AbortSignal;
}

/** What one registration found or did. */
export interface RegistrationResult {
  /** `created`: a hook was made; `exists`: one with our URL was listed; `missing-right`: nothing done. */
  status: 'created' | 'exists' | 'missing-right';
  /** The `for:` variables of this registration, e.g. `{ org: 'acme' }` (empty without `for:`). */
  vars: Record<string, unknown>;
  /** `{webhook.url}`: the public URL joined with `webhooks.path`. */
  url: string;
  /** With `missing-right`: the right needed (`register.right`, or the check's request). */
  right?: string;
  /** Why, in a few words: the check that was false, or the status the provider answered. */
  detail?: string;
}

/** The integration as registration needs it (an opened Integration fits). */
export type RegisterTarget = Pick<Integration, 'name' | 'loaded' | 'connect'>;

/** Pages a hook list may take before registration gives up rather than risk a duplicate. */
const DEFAULT_LIST_PAGES = 20;

/**
 * `{webhook.url}`: `publicUrl` joined with `webhooks.path`, with exactly one `/` between them.
 * @example webhookUrl('https://hooks.example.com/inlet/', '/webhooks/github') // 'https://hooks.example.com/inlet/webhooks/github'
 */
export function webhookUrl(publicUrl: string, path: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError(`--public-url: "${publicUrl}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`--public-url: protocol ${url.protocol} is not supported (use https://)`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      '--public-url: give only scheme, host and path (no query, fragment or credentials)',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * One line per registration, as `inlet webhooks register` prints it and `inlet serve` logs it.
 * @example registrationLine({ status: 'created', vars: { org: 'acme' }, url }) // 'org=acme: created'
 */
export function registrationLine(result: RegistrationResult): string {
  const where = Object.entries(result.vars)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  const what =
    result.status === 'missing-right'
      ? `missing right: ${result.right}${result.detail ? ` (${result.detail})` : ''}`
      : result.status;
  return where ? `${where}: ${what}` : what;
}

/**
 * Register the integration's webhooks once: per registration, `created`, `exists` or `missing-right`
 * (serve warns and goes on; the one-shot verb exits 1). Other failures (the provider down, a hook
 * list that never ends or is not an array) throw an Inlet error, and nothing is created.
 * Sequential runs never duplicate a hook; runs at once in this process are serialised per URL, and a
 * create the provider refuses (4xx) while a re-list now shows our URL counts as `exists` (another
 * process won the race; GitHub answers 422 for a hook URL it already has).
 * @example
 * const github = await openIntegration('github', { set: ['orgs=acme', 'token=…', 'webhookSecret=…'] });
 * for (const r of await registerWebhooks(github, { publicUrl: 'https://hooks.example.com' })) console.log(registrationLine(r));
 */
export async function registerWebhooks(
  integration: RegisterTarget,
  options: RegisterOptions,
): Promise<RegistrationResult[]> {
  const { path, entry } = registerSpec(integration);
  const url = webhookUrl(options.publicUrl, path);
  const client = options.client ?? integration.connect({ logger: options.logger });
  const key = `${client.baseUrl.href} ${url}`;
  try {
    return await serialised(key, () => registerAll(integration, entry, url, client, options));
  } finally {
    if (!options.client) await client.close();
  }
}

/** The `webhooks.path` and the applying `register` entry, or a ConfigError naming the field. */
function registerSpec(integration: RegisterTarget): { path: string; entry: RegisterEntry } {
  const webhooks = integration.loaded.manifest.webhooks as Record<string, unknown> | undefined;
  if (!webhooks) {
    throw new ConfigError(`${integration.name}: the manifest declares no webhooks (nothing to register)`);
  }
  const path = webhooks.path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ConfigError(
      `${integration.name}: webhooks.path must be a path such as /webhooks/${integration.name}`,
    );
  }
  if (webhooks.register === undefined) {
    throw new ConfigError(
      `${integration.name}: the manifest has no webhooks.register (register the hook by hand)`,
    );
  }
  const parsed = registerSchema.safeParse(webhooks.register);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = ['webhooks', 'register', ...(issue?.path ?? [])].join('.');
    throw new ConfigError(`${at}: ${issue?.message ?? 'invalid'}`);
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const scope = { config: integration.loaded.settings.values };
  const entry = entries.find((e) => e.when === undefined || renderTemplate(e.when, scope) !== '');
  if (!entry) {
    throw new ConfigError(
      'webhooks.register: no entry applies (every `when` renders empty: is the auth set?)',
    );
  }
  return { path, entry };
}

const running = new Map<string, Promise<unknown>>();

/** One registration per key at a time in this process: the second waits, then lists the first's hook. */
async function serialised<T>(key: string, run: () => Promise<T>): Promise<T> {
  const before = running.get(key) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(run);
  running.set(key, mine);
  try {
    return await mine;
  } finally {
    if (running.get(key) === mine) running.delete(key);
  }
}

async function registerAll(
  integration: RegisterTarget,
  entry: RegisterEntry,
  url: string,
  client: Client,
  options: RegisterOptions,
): Promise<RegistrationResult[]> {
  const config = integration.loaded.settings.values;
  checkBodySettings(entry, config);
  const programs = {
    ok: entry.check && (await compileJq(entry.check.ok, 'webhooks.register.check.ok')),
    records: await compileJq(entry.list.records ?? '.', 'webhooks.register.list.records'),
    url:
      entry.list.url === undefined
        ? undefined
        : await compileJq(`[.[] | ([${entry.list.url}] | .[0])]`, 'webhooks.register.list.url'),
  };
  const results: RegistrationResult[] = [];
  for (const vars of expandFor(entry.for, config)) {
    const scope: TemplateScope = { config, vars, webhook: { url } };
    const registration = new Registration(entry, scope, client, programs, options.signal);
    const result = await registration.run(url, vars);
    options.logger?.info(`webhook registration ${integration.name} ${registrationLine(result)}`);
    results.push(result);
  }
  return results;
}

/** A `{config.x}` in the create body that renders empty would register a hook without, e.g., its secret. */
function checkBodySettings(entry: RegisterEntry, config: Record<string, unknown>): void {
  const strings: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(entry.create.body);
  for (const expression of strings.flatMap(placeholders)) {
    const [root, key] = expression.split('.');
    if (root === 'config' && key !== undefined && renderTemplate(`{${expression}}`, { config }) === '') {
      throw new ConfigError(
        `webhooks.register.create.body: setting ${key} is not set (the hook would be created without it)`,
      );
    }
  }
}

/** Every combination of the `for:` lists (one registration each); one empty set without `for:`. */
function expandFor(
  spec: RegisterEntry['for'],
  config: Record<string, unknown>,
): Array<Record<string, unknown>> {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [name, template] of Object.entries(spec ?? {})) {
    const raw = Array.isArray(template) ? template : renderValue(template, { config });
    const values = (Array.isArray(raw) ? raw : [raw]).filter(
      (v) => v !== undefined && v !== null && v !== '',
    );
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value })));
  }
  return combos;
}

interface Programs {
  ok?: Awaited<ReturnType<typeof compileJq>>;
  records: Awaited<ReturnType<typeof compileJq>>;
  url?: Awaited<ReturnType<typeof compileJq>>;
}

class Registration {
  constructor(
    private readonly entry: RegisterEntry,
    private readonly scope: TemplateScope,
    private readonly client: Client,
    private readonly programs: Programs,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private path(template: string): string {
    return renderTemplate(template, this.scope, { encodePath: true });
  }

  private query(query: Record<string, unknown> | undefined) {
    return query && (renderDeep(query, this.scope) as Record<string, string>);
  }

  private headers(headers: Record<string, string> | undefined) {
    return headers && (renderDeep(headers, this.scope) as Record<string, string>);
  }

  private right(): string {
    if (this.entry.right) return renderTemplate(this.entry.right, this.scope);
    const check = this.entry.check;
    return check ? `${check.ok} on GET ${this.path(check.path)}` : 'permission to manage webhooks';
  }

  private missing(url: string, vars: Record<string, unknown>, detail: string): RegistrationResult {
    return { status: 'missing-right', vars, url, right: this.right(), detail };
  }

  async run(url: string, vars: Record<string, unknown>): Promise<RegistrationResult> {
    try {
      if (this.entry.check && this.programs.ok) {
        const path = this.path(this.entry.check.path);
        const res = await this.client.get(path, {
          query: this.query(this.entry.check.query),
          headers: this.headers(this.entry.check.headers),
          signal: this.signal,
        });
        const [ok] = await this.programs.ok.run(res.data);
        if (!truthy(ok))
          return this.missing(url, vars, `${this.entry.check.ok} is ${JSON.stringify(ok ?? null)}`);
      }
      if (await this.listed(url)) return { status: 'exists', vars, url };
      try {
        await this.create();
      } catch (error) {
        // Another process may have created it between our list and our create (GitHub: 422).
        if (isInletError(error, 'E_CLIENT') && (await this.listed(url)))
          return { status: 'exists', vars, url };
        throw error;
      }
      return { status: 'created', vars, url };
    } catch (error) {
      if (isInletError(error, 'E_FORBIDDEN') || isInletError(error, 'E_NOT_FOUND')) {
        return this.missing(
          url,
          vars,
          `${error.method ?? 'GET'} ${pathOf(error.url)} answered ${error.status}`,
        );
      }
      throw error;
    }
  }

  /** Whether a listed hook has our URL; a list that is not an array or never ends throws. */
  private async listed(url: string): Promise<boolean> {
    const list = this.entry.list;
    const path = this.path(list.path);
    const paginate = { maxPages: DEFAULT_LIST_PAGES, ...(list.paginate ?? { type: 'none' }) } as PaginateSpec;
    const chain = this.client.pages(path, {
      query: this.query(list.query),
      headers: this.headers(list.headers),
      paginate,
      signal: this.signal,
      kind: 'webhooks.register.list',
    });
    let found = false;
    for (;;) {
      const next = await chain.next();
      if (next.done) {
        if (!next.value.complete) {
          throw new PaginationError(
            `webhooks.register.list: GET ${path} did not end (${next.value.reason}); nothing created, so no duplicate is risked`,
          );
        }
        return found;
      }
      const [hooks] = await this.programs.records.run(next.value.body);
      if (!Array.isArray(hooks)) {
        throw new ResponseError(
          `webhooks.register.list: GET ${path} gave ${describe(hooks)} where records (${list.records ?? '.'}) should be an array of hooks; nothing created`,
          { method: 'GET', url: pathOf(next.value.url.href), status: next.value.status },
        );
      }
      // Without `url` every listed hook is ours (Jira's dynamic webhooks: one URL per app).
      const urls = this.programs.url
        ? ((await this.programs.url.run(hooks))[0] as unknown[])
        : hooks.map(() => url);
      if (urls.some((u) => u === url)) found = true;
    }
  }

  private async create(): Promise<void> {
    const create = this.entry.create;
    await this.client.request(this.path(create.path), {
      method: create.method ?? 'POST',
      query: this.query(create.query),
      headers: this.headers(create.headers),
      body: create.body === undefined ? undefined : renderDeep(create.body, this.scope),
      signal: this.signal,
    });
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** The path of a (redacted) URL: a query may carry keys. */
function pathOf(url: string | undefined): string {
  if (!url) return '?';
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
