/**
 * The `inlet.yaml` and `mapping.yml` of `inlet init <name>`: a small projects-and-tasks API, every
 * field explained in a comment line (README "Declaring an integration").
 */

/** `acme-crm` → `ACME_CRM`, the prefix of the settings' environment variables. */
export const envPrefix = (name: string): string => name.toUpperCase().replaceAll('-', '_');

/** `acme-crm` → `acmeCrm`, the prefix of blueprint names. */
export const camelName = (name: string): string =>
  name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `acme-crm` → `Acme Crm`. */
export const titleName = (name: string): string =>
  name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

/** The starter's page size: small, so its three projects need two pages and show pagination at work. */
export const STARTER_PAGE_SIZE = 2;

export function starterManifest(name: string): string {
  const env = envPrefix(name);
  return `# The ${name} integration: what to read from the API and how (the inlet README, "Declaring an integration").
# Replace the example API below with yours; \`inlet check ${name}\` validates every field before a request is sent.
# name: the integration's name, used in the catalog and on the command line ([a-z0-9-]+).
name: ${name}
# title: a human-readable name shown in summaries.
title: ${titleName(name)}
# config: the settings the user supplies (--set key=value, --config file.yaml, the env variable, the default).
config:
  # baseUrl: where the API lives; a url setting so a test or a staging server can point elsewhere.
  baseUrl:
    # type: one of string, number, boolean, list, url, secret.
    type: url
    # env: the environment variable read when no --set or --config value is given.
    env: ${env}_BASE_URL
    # default: used when nothing else supplies a value.
    default: https://api.example.com
    # description: shown in errors about this setting.
    description: API root of the ${name} API
  # token: an API token; a secret is shown as *** in logs, errors and the catalog.
  token:
    type: secret
    env: ${env}_TOKEN
    # required: false lets the integration run without it (the auth below is skipped then).
    required: false
    description: "API token, sent as the header Authorization: Bearer <token>"
# connection: how every request reaches the API.
connection:
  # baseUrl: request paths are relative to it; "{config.baseUrl}" reads the setting above.
  baseUrl: "{config.baseUrl}"
  # headers: sent with every request (Accept: the media type asked for).
  headers:
    Accept: application/json
  # auth: how requests are authenticated (none, bearer, basic, apiKey, oauth2).
  auth:
    type: bearer
    # token: the bearer token, here the token setting.
    token: "{config.token}"
    # when: use this auth only if it renders non-empty, i.e. only when a token is set.
    when: "{config.token}"
  # timeout: the longest wait for a response's headers (250ms, 30s, 15m, 1h).
  timeout: 30s
  # concurrency: requests in flight at once for this integration.
  concurrency: 4
  # retry: failed requests are retried with exponential backoff and full jitter.
  retry:
    # attempts: total tries of one request.
    attempts: 6
# resources: what to read; each key is a kind, read page by page.
resources:
  # project: one kind, read by one request chain.
  project:
    # request: the first request of the chain; later pages follow paginate.
    request:
      # path: relative to connection.baseUrl.
      path: /projects
      # query: query parameters of the first request (per_page: the page size).
      query: { per_page: ${STARTER_PAGE_SIZE} }
    # paginate: how to get the next page; link follows the Link: <…>; rel="next" response header.
    paginate: { type: link }
  # task: a child kind; each project record starts one chain.
  task:
    # parent: the kind whose records start this kind's chains.
    parent: project
    request:
      # {parent.id} reads the parent record's id (URL-encoded in a path).
      path: "/projects/{parent.id}/tasks"
      query: { per_page: ${STARTER_PAGE_SIZE} }
    paginate: { type: link }
    # records: a jq expression giving the page's records; "." means the page is the array.
    records: .
# The mapping from records to catalog entities is in mapping.yml beside this file.
`;
}

export function starterMapping(name: string): string {
  const camel = camelName(name);
  return `# How the ${name} records become catalog entities (port-app-config shape; README "Declaring an integration").
# Every value is a jq program run on one record; a child's parent record is bound as $parent.
# deleteStaleEntities: entities no longer returned by the API are deleted after a complete run.
deleteStaleEntities: true
# deletionThreshold: refuse to delete more than this share of a blueprint in one run.
deletionThreshold: 0.9
# resources: one entry per kind of inlet.yaml.
resources:
  # kind: the resource in inlet.yaml whose records this entry maps.
  - kind: project
    # port.entity.mappings: the jq programs that make one entity of each record.
    port:
      entity:
        mappings:
          # identifier: unique within the blueprint; a number is stored as text.
          identifier: .id
          # title: the entity's display name.
          title: .name
          # blueprint: the entity type, a jq string literal here.
          blueprint: '"${camel}Project"'
          # properties: name → jq, stored as the entity's properties (url: its web page, archived: a flag).
          properties:
            url: .html_url
            archived: .archived
  - kind: task
    port:
      entity:
        mappings:
          identifier: .id
          title: .title
          blueprint: '"${camel}Task"'
          # properties of a task: its status and updatedAt, the time it last changed.
          properties:
            status: .status
            updatedAt: .updated_at
          # relations: name → jq giving the related entity's identifier (project: the task's project).
          relations:
            project: $parent.id | tostring
`;
}
