/**
 * `{...}` placeholders (manifest contract §4): `{config.x}`, `{<for variable>}`, `{parent.x.y}`,
 * `{state.x}` and, in webhooks, `{webhook.url}`. Only `{name}` / `{name.path}` is a placeholder, so
 * a literal brace (`{"a": 1}`) passes through untouched.
 */
import { ConfigError } from '../errors/errors.js';

/** The values placeholders read. `vars` holds the `for:` variables of the current chain. */
export interface TemplateScope {
  config?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  parent?: unknown;
  state?: Record<string, unknown>;
  webhook?: { url: string };
}

/** Global form, for scanning every placeholder in a string. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\}/g;
const SINGLE = /^\{([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\}$/;

/** Every placeholder expression (`config.orgs`, `org`) in a string, in order. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

function lookup(expression: string, scope: TemplateScope): unknown {
  const [root = '', ...rest] = expression.split('.');
  let value: unknown;
  if (root === 'config') value = scope.config;
  else if (root === 'parent') value = scope.parent;
  else if (root === 'state') value = scope.state;
  else if (root === 'webhook') value = scope.webhook;
  else {
    if (!scope.vars || !(root in scope.vars)) throw new ConfigError(`unknown placeholder "{${expression}}"`);
    value = scope.vars[root];
  }
  for (const key of rest) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(stringify).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Encode a value for a URL path. Each `/`-separated segment is encoded on its own and the `/` kept,
 * because GitHub's `/repos/{parent.full_name}/pulls` needs `owner/repo` as two segments, while `?`,
 * `#`, `%` and spaces inside a segment must still not change the URL's structure. A `.`/`..` segment
 * would be resolved away by the URL parser (WHATWG treats `%2e` as a dot too), so it is refused.
 */
function encodePathValue(value: string, expression: string): string {
  return value
    .split('/')
    .map((segment) => {
      if (segment === '.' || segment === '..') {
        throw new ConfigError(
          `placeholder "{${expression}}" gives a "${segment}" path segment, which is refused`,
        );
      }
      return encodeURIComponent(segment);
    })
    .join('/');
}

/**
 * Render a template to a string. Missing values render empty (so `when: "{config.token}"` is
 * false when the token is unset); lists render comma separated.
 * @example renderTemplate('/repos/{parent.full_name}/pulls', { parent: { full_name: 'a/b c' } }, { encodePath: true })
 * // '/repos/a/b%20c/pulls'
 */
export function renderTemplate(
  template: string,
  scope: TemplateScope,
  options: {
    /** Encode each placeholder's value for a URL path (segment by segment, keeping `/`). @default false */
    encodePath?: boolean;
  } = {},
): string {
  return template.replace(PLACEHOLDER, (_match, expression: string) => {
    const text = stringify(lookup(expression, scope));
    return options.encodePath ? encodePathValue(text, expression) : text;
  });
}

/**
 * Render a template that may be exactly one placeholder: then the raw value is returned (a list for
 * `for: { org: "{config.orgs}" }`, a number for `{state.since}`); otherwise the rendered string.
 * @example renderValue('{config.orgs}', { config: { orgs: ['a', 'b'] } }) // ['a', 'b']
 */
export function renderValue(template: string, scope: TemplateScope): unknown {
  const single = SINGLE.exec(template);
  if (single?.[1]) return lookup(single[1], scope);
  return renderTemplate(template, scope);
}

/**
 * Render every string inside a JSON value (a request body or query map), keeping its shape;
 * a string that is exactly one placeholder takes the placeholder's raw value.
 * @example renderDeep({ ids: '{config.ids}' }, { config: { ids: [1, 2] } }) // { ids: [1, 2] }
 */
export function renderDeep(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return renderValue(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item, scope)]));
  }
  return value;
}
