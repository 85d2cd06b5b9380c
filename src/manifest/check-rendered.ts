/**
 * Load-time checks that need the resolved settings (issue 8): what the connection renders to must be
 * sendable. A `baseUrl` with a query or fragment (glued to every path), and a header value with CR/LF
 * (which undici refuses at send time, where it looked like a network error) are ConfigErrors naming
 * the field. Messages never quote a rendered value: it may hold a secret.
 */
import { headerValueProblem } from '../http/header-value.js';
import type { Manifest } from './schema.js';
import { renderTemplate } from './template.js';
import { type FieldPath, issueAt, throwIssues, type YamlSource } from './yaml-source.js';

type Found = Array<{ path: FieldPath; message: string }>;

/** Non-config placeholders (`{org}`, `{parent.x}`) are only known per chain: drop them, render the rest. */
function renderConfigOnly(template: string, config: Record<string, unknown>): string {
  const configOnly = template.replace(/\{([^{}]*)\}/g, (match, expression: string) =>
    expression.startsWith('config.') ? match : '',
  );
  return renderTemplate(configOnly, { config });
}

function checkBaseUrl(template: string, config: Record<string, unknown>, found: Found): void {
  const rendered = renderTemplate(template, { config });
  if (rendered === '') return;
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    found.push({ path: ['connection', 'baseUrl'], message: 'does not render to an absolute URL' });
    return;
  }
  const part = url.search ? 'a query (?…)' : url.hash ? 'a fragment (#…)' : undefined;
  if (part) {
    found.push({
      path: ['connection', 'baseUrl'],
      message: `renders to ${url.origin}${url.pathname} with ${part}, which would be glued to every path; put query parameters on the requests`,
    });
  }
}

function checkHeaders(
  headers: Record<string, string> | undefined,
  path: FieldPath,
  config: Record<string, unknown>,
  found: Found,
): void {
  for (const [name, template] of Object.entries(headers ?? {})) {
    const problem = headerValueProblem(renderConfigOnly(template, config));
    if (problem) found.push({ path: [...path, name], message: problem });
  }
}

/** Auth fields sent as a header value as they are (Basic and OAuth2 credentials are encoded first). */
function checkAuth(manifest: Manifest, config: Record<string, unknown>, found: Found): void {
  const auth = manifest.connection.auth;
  const list = Array.isArray(auth) ? auth : auth ? [auth] : [];
  list.forEach((spec, index) => {
    const path: FieldPath = Array.isArray(auth) ? ['connection', 'auth', index] : ['connection', 'auth'];
    const fields =
      spec.type === 'bearer'
        ? { token: spec.token }
        : spec.type === 'apiKey' && spec.in === 'header'
          ? { value: spec.value }
          : {};
    for (const [field, template] of Object.entries(fields)) {
      const problem = headerValueProblem(renderConfigOnly(template, config));
      if (problem) found.push({ path: [...path, field], message: problem });
    }
  });
}

/**
 * Check the parts of a validated manifest that render with settings alone; throws one ConfigError
 * `<file>:<line>: <field.path>: …` for the first problem.
 * @example checkRendered(manifest, settings.values, source)
 */
export function checkRendered(
  manifest: Manifest,
  config: Record<string, unknown>,
  source?: YamlSource,
): void {
  const found: Found = [];
  checkBaseUrl(manifest.connection.baseUrl, config, found);
  checkHeaders(manifest.connection.headers, ['connection', 'headers'], config, found);
  checkAuth(manifest, config, found);
  for (const [kind, resource] of Object.entries(manifest.resources)) {
    checkHeaders(resource.request.headers, ['resources', kind, 'request', 'headers'], config, found);
  }
  throwIssues(found.map(({ path, message }) => issueAt(source, path, message, 'rendered')));
}
