/**
 * Load-time check of every `{...}` placeholder (manifest contract §4): an unknown root, config key or
 * `for:` variable, or `{parent.…}` in a kind without `parent`, is a ConfigError naming the field.
 * jq fields (`records`, `paginate.path`, mappings, webhook events) are not templates and are skipped.
 */
import type { Manifest } from './schema.js';
import { placeholders } from './template.js';
import { type FieldPath, issueAt, throwIssues, type YamlSource } from './yaml-source.js';

const RECORD: ReadonlySet<string> = new Set(['record']);

interface Scope {
  config: ReadonlySet<string>;
  vars: ReadonlySet<string>;
  /** Why `{parent.…}` is refused here, or undefined when it is allowed. */
  parent?: string;
  /** The one `{state.x}` key allowed here (the kind's `incremental.param`). */
  state?: string;
  webhook: boolean;
}

/** Problems with one placeholder expression in a scope, as a message, or undefined when fine. */
function problem(expression: string, scope: Scope): string | undefined {
  const [root = '', key, ...rest] = expression.split('.');
  const shown = `{${expression}}`;
  switch (root) {
    case 'config':
      if (key === undefined) return `placeholder ${shown} needs a setting name, e.g. {config.token}`;
      if (!scope.config.has(key)) {
        const known = [...scope.config].join(', ') || 'none';
        return `placeholder ${shown} names unknown setting "${key}" (config has: ${known})`;
      }
      return undefined;
    case 'parent':
      return scope.parent === undefined ? undefined : `placeholder ${shown} ${scope.parent}`;
    case 'state':
      if (scope.state === undefined) return `placeholder ${shown} needs \`incremental\` on this resource`;
      if (key !== scope.state || rest.length > 0) {
        return `placeholder ${shown}: state holds only {state.${scope.state}} (incremental.param)`;
      }
      return undefined;
    case 'webhook':
      if (!scope.webhook) return `placeholder ${shown} is only available in webhooks`;
      return key === 'url' && rest.length === 0
        ? undefined
        : `unknown placeholder ${shown} (expected {webhook.url})`;
    default:
      if (scope.vars.has(root)) return undefined;
      return `unknown placeholder ${shown} (expected config.*, parent.*, state.*${
        scope.vars.size ? `, or a for variable: ${[...scope.vars].join(', ')}` : ''
      })`;
  }
}

/** Walk strings inside `value`, reporting each bad placeholder with its field path. */
function scan(
  value: unknown,
  path: FieldPath,
  scope: Scope,
  out: Array<{ path: FieldPath; message: string }>,
) {
  if (typeof value === 'string') {
    for (const expression of placeholders(value)) {
      const message = problem(expression, scope);
      if (message) out.push({ path, message });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      scan(item, [...path, index], scope, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) scan(item, [...path, key], scope, out);
  }
}

const REGISTER_TEMPLATE_FIELDS = ['method', 'path', 'query', 'headers', 'body'];

/** Auth fields taken as written (connect does not render them). */
const LITERAL_AUTH_FIELDS = ['name', 'prefix', 'scopes'];

/**
 * A placeholder where nothing renders it would be sent as the text `{config.kname}` (issue 8):
 * the literal auth fields, rate-limit header names, and header and query names.
 */
function literalPlaceholders(manifest: Manifest, out: Array<{ path: FieldPath; message: string }>) {
  const refuse = (value: unknown, path: FieldPath) => {
    const found = typeof value === 'string' ? placeholders(value) : [];
    if (found.length > 0) {
      out.push({ path, message: `{${found[0]}} is not rendered here: this field is taken literally` });
    }
  };
  const refuseKeys = (map: Record<string, unknown> | undefined, path: FieldPath) => {
    for (const key of Object.keys(map ?? {})) refuse(key, [...path, key]);
  };
  const { auth, rateLimit, headers } = manifest.connection;
  const list = (value: unknown) => (Array.isArray(value) ? value : value ? [value] : []);
  list(auth).forEach((spec: Record<string, unknown>, index) => {
    const path: FieldPath = Array.isArray(auth) ? ['connection', 'auth', index] : ['connection', 'auth'];
    for (const field of LITERAL_AUTH_FIELDS) {
      const value = spec[field];
      if (!Array.isArray(value)) refuse(value, [...path, field]);
      else
        value.forEach((item, i) => {
          refuse(item, [...path, field, i]);
        });
    }
  });
  list(rateLimit).forEach((entry: { headers?: Record<string, string> }, index) => {
    const path: FieldPath = Array.isArray(rateLimit)
      ? ['connection', 'rateLimit', index, 'headers']
      : ['connection', 'rateLimit', 'headers'];
    for (const [field, value] of Object.entries(entry.headers ?? {})) refuse(value, [...path, field]);
  });
  refuseKeys(headers, ['connection', 'headers']);
  for (const [kind, resource] of Object.entries(manifest.resources)) {
    refuseKeys(resource.request.headers, ['resources', kind, 'request', 'headers']);
    refuseKeys(resource.request.query, ['resources', kind, 'request', 'query']);
  }
}

/**
 * Check every placeholder of a validated manifest; throws one ConfigError (`<file>:<line>: <path>: …`
 * when `source` is given) for the first problem, counting the rest.
 * @example checkTemplates(manifest, source)
 */
export function checkTemplates(manifest: Manifest, source?: YamlSource): void {
  const found: Array<{ path: FieldPath; message: string }> = [];
  const config = new Set(Object.keys(manifest.config ?? {}));
  const none = new Set<string>();
  const connectionScope: Scope = {
    config,
    vars: none,
    parent: 'is not available in connection (no parent record there)',
    webhook: false,
  };
  scan(manifest.connection, ['connection'], connectionScope, found);
  literalPlaceholders(manifest, found);

  for (const [kind, resource] of Object.entries(manifest.resources)) {
    const parent = resource.parent ? undefined : `needs \`parent\` on resource "${kind}"`;
    const forScope: Scope = { config, vars: none, parent, webhook: false };
    scan(resource.for, ['resources', kind, 'for'], forScope, found);
    const scope: Scope = {
      config,
      vars: new Set(Object.keys(resource.for ?? {})),
      parent,
      state: resource.incremental?.param,
      webhook: false,
    };
    scan(resource.request, ['resources', kind, 'request'], scope, found);
    scan(resource.incremental?.initial, ['resources', kind, 'incremental', 'initial'], forScope, found);
    // `get` reads one record for a webhook: only the event's record (reference) and config are known.
    const getScope: Scope = { config, vars: RECORD, parent: 'is not available in get', webhook: false };
    scan(resource.get, ['resources', kind, 'get'], getScope, found);
  }

  const webhooks = manifest.webhooks as Record<string, unknown> | undefined;
  if (webhooks) {
    const scope: Scope = { config, vars: none, parent: 'is not available in webhooks', webhook: true };
    scan(webhooks.verify, ['webhooks', 'verify'], scope, found);
    // `register` is one entry or a list of them (the first whose `when` renders non-empty applies).
    const register = webhooks.register;
    const entries = Array.isArray(register) ? register : [register];
    entries.forEach((entry: unknown, index) => {
      if (entry === null || typeof entry !== 'object') return;
      const at: FieldPath = Array.isArray(register)
        ? ['webhooks', 'register', index]
        : ['webhooks', 'register'];
      const fields = entry as Record<string, unknown>;
      scan(fields.for, [...at, 'for'], scope, found);
      scan(fields.when, [...at, 'when'], scope, found);
      const forVars = fields.for !== null && typeof fields.for === 'object' ? Object.keys(fields.for) : [];
      const entryScope: Scope = { ...scope, vars: new Set(forVars) };
      scan(fields.right, [...at, 'right'], entryScope, found);
      for (const [step, spec] of Object.entries(fields)) {
        if (spec === null || typeof spec !== 'object' || step === 'for') continue;
        for (const field of REGISTER_TEMPLATE_FIELDS) {
          scan((spec as Record<string, unknown>)[field], [...at, step, field], entryScope, found);
        }
      }
    });
  }

  throwIssues(found.map(({ path, message }) => issueAt(source, path, message, 'placeholder')));
}
