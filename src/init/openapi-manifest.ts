/**
 * An `inlet.yaml` and `mapping.yml` derived from an OpenAPI 3 description (docs/init.md): list
 * operations become kinds, path parameters a parent or a `list` setting, pagination and auth come
 * from what the description documents, and every guess is marked `# TODO(inlet): …`.
 */
import { ConfigError } from '../errors/errors.js';
import { commentedYaml, type YamlNote, type YamlPath } from './commented-yaml.js';
import { deriveAuth } from './openapi-auth.js';
import { guessMapping } from './openapi-mapping.js';
import { type ListOperation, listOperations } from './openapi-operations.js';
import { inferPagination } from './openapi-paginate.js';
import { matchParents, type ParentMatch } from './openapi-parents.js';
import { isObject, type Json, type OpenapiSpec } from './openapi-read.js';
import { camelName, envPrefix } from './starter-manifest.js';

export interface DerivedIntegration {
  manifest: string;
  mapping: string;
  /** `inlet.yaml resources.org-hook.request.path: …`, in file order. */
  todos: string[];
}

class Notes {
  readonly notes: YamlNote[] = [];
  readonly todos: string[] = [];
  constructor(private readonly file: string) {}
  comment(path: YamlPath, ...lines: string[]) {
    this.notes.push({ path, lines });
  }
  todo(path: YamlPath, text: string) {
    this.notes.push({ path, lines: [`TODO(inlet): ${text}`] });
    this.todos.push(`${this.file} ${path.join('.')}: ${text}`);
  }
  flow(path: YamlPath) {
    this.notes.push({ path, flow: true });
  }
}

/** The first `servers` entry with its variables at their defaults; undefined when relative or absent. */
function serverUrl(spec: OpenapiSpec): string | undefined {
  const first = Array.isArray(spec.doc.servers) ? spec.doc.servers.find(isObject) : undefined;
  if (!first || typeof first.url !== 'string') return undefined;
  const variables = isObject(first.variables) ? first.variables : {};
  const url = first.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === 'string' ? variable.default : whole;
  });
  return /^https?:\/\/[^{}]+$/.test(url) ? url.replace(/\/+$/, '') : undefined;
}

const settingName = (param: string) => param.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z_]/, '_$&');

interface Context {
  spec: OpenapiSpec;
  env: string;
  config: Record<string, Json>;
  inlet: Notes;
}

/** The request path with `{parent.field}` where the parent supplies a parameter, and `for` variables for the rest. */
function pathTemplate(ctx: Context, op: ListOperation, parent: ParentMatch | undefined) {
  const forVars: Record<string, string> = {};
  let path = op.path;
  for (const param of op.parameters.filter((p) => p.in === 'path')) {
    const field = parent?.fields.get(param.name);
    if (field) {
      path = path.replaceAll(`{${param.name}}`, `{parent.${field}}`);
      continue;
    }
    const name = settingName(param.name);
    if (!ctx.config[name]) {
      ctx.config[name] = {
        type: 'list',
        env: `${ctx.env}_${name.toUpperCase().replaceAll('-', '_')}`,
        required: true,
        description: param.description.split('\n')[0] || `Values of the {${param.name}} path parameter`,
      };
      ctx.inlet.todo(
        ['config', name],
        `{${param.name}} is supplied by no list operation; give its values here (a list)`,
      );
    }
    forVars[name] = `{config.${name}}`;
    path = path.replaceAll(`{${param.name}}`, `{${name}}`);
  }
  return { path, forVars };
}

/** The page size, and each required query parameter: its default, else a required string setting. */
function requestQuery(ctx: Context, op: ListOperation, pageQuery: Record<string, number>): Json {
  const query: Json = { ...pageQuery };
  for (const param of op.parameters.filter((p) => p.in === 'query' && p.required && !(p.name in query))) {
    if (param.schema?.default !== undefined) {
      query[param.name] = param.schema.default;
      continue;
    }
    const base = settingName(param.name);
    // A list setting of the same name is a path parameter's: the query one gets its own.
    const name = ctx.config[base] && ctx.config[base].type !== 'string' ? `${base}Query` : base;
    ctx.config[name] ??= {
      type: 'string',
      env: `${ctx.env}_${name.toUpperCase().replaceAll('-', '_')}`,
      required: true,
      description: param.description.split('\n')[0] || `The ${param.name} query parameter`,
    };
    query[param.name] = `{config.${name}}`;
  }
  return query;
}

function resourceFor(ctx: Context, op: ListOperation, parent: ParentMatch | undefined): Json {
  const at: YamlPath = ['resources', op.kind];
  const { path, forVars } = pathTemplate(ctx, op, parent);
  const pagination = inferPagination(ctx.spec, op);
  const query = requestQuery(ctx, op, pagination.query);
  const variables = Object.keys(forVars);
  const resource: Json = {};
  if (variables.length) {
    resource.for = forVars;
    ctx.inlet.flow([...at, 'for']);
  }
  if (parent && variables.length) {
    // A child chain does not see its parent's `for` variables (§4): each value meets every parent record.
    const text = `${variables.join(', ')} not found in ${parent.parent} records: every value is read under every ${parent.parent}; map it to a parent field if one holds it`;
    ctx.inlet.todo([...at, 'for'], text);
  } else if (variables.length > 1) {
    ctx.inlet.todo(
      [...at, 'for'],
      'several for variables give every combination; check that is what the API expects',
    );
  }
  if (parent) resource.parent = parent.parent;
  resource.request = Object.keys(query).length ? { path, query } : { path };
  if (Object.keys(query).length) ctx.inlet.flow([...at, 'request', 'query']);
  if (pagination.paginate) {
    resource.paginate = pagination.paginate;
    ctx.inlet.flow([...at, 'paginate']);
  }
  for (const todo of pagination.todos)
    ctx.inlet.todo([...at, pagination.paginate ? 'paginate' : 'request'], todo);
  if (op.records) resource.records = op.records;
  if (op.recordsTodo) ctx.inlet.todo([...at, 'records'], op.recordsTodo);
  ctx.inlet.comment(at, `GET ${op.path}${op.summary ? `: ${op.summary}` : ''}`);
  return resource;
}

/** Mappings in parent-first order, so a child's relation reads its parent's identifier field. */
function mappings(
  spec: OpenapiSpec,
  ops: ListOperation[],
  parents: Map<string, ParentMatch>,
  prefix: string,
  notes: Notes,
): Json[] {
  const identifiers = new Map<string, string | undefined>();
  const entries = new Map<string, Json>();
  for (let round = 0; round <= ops.length && entries.size < ops.length; round++) {
    for (const op of ops) {
      const parent = parents.get(op.kind);
      if (entries.has(op.kind) || (parent && !entries.has(parent.parent))) continue;
      const guessed = guessMapping(spec, op, prefix, parent, parent && identifiers.get(parent.parent));
      identifiers.set(op.kind, guessed.identifierField);
      entries.set(op.kind, { ...guessed.entry, todos: guessed.todos });
    }
  }
  return ops.map((op, index) => {
    const { todos, ...entry } = entries.get(op.kind) as Json & { todos: string[] };
    for (const todo of todos) notes.todo(['resources', index], todo);
    return entry;
  });
}

/**
 * @example const { manifest, mapping, todos } = manifestFromOpenapi('gh', await readOpenapi('github.json'), 'github.json');
 */
export function manifestFromOpenapi(name: string, spec: OpenapiSpec, specFile: string): DerivedIntegration {
  const ops = listOperations(spec);
  if (ops.length === 0) {
    throw new ConfigError(
      `--from-openapi: ${specFile}: no GET operation returns a list (an array, or an object holding one)`,
    );
  }
  const env = envPrefix(name);
  const inlet = new Notes('inlet.yaml');
  const server = serverUrl(spec);
  const config: Record<string, Json> = {
    baseUrl: {
      type: 'url',
      env: `${env}_BASE_URL`,
      ...(server ? { default: server } : { required: true }),
      description: 'API root',
    },
  };
  if (!server)
    inlet.todo(
      ['config', 'baseUrl'],
      'the first servers entry is missing or not an absolute URL; give the API root',
    );
  const auth = deriveAuth(spec, env);
  Object.assign(config, auth.settings);
  const ctx: Context = { spec, env, config, inlet };
  const parents = matchParents(spec, ops);
  const resources: Json = {};
  for (const op of ops) resources[op.kind] = resourceFor(ctx, op, parents.get(op.kind));
  for (const todo of auth.todos) inlet.todo(['connection', 'auth'], todo);
  inlet.flow(['connection', 'headers']);
  const info = isObject(spec.doc.info) ? spec.doc.info : {};
  const manifest: Json = {
    name,
    ...(typeof info.title === 'string' ? { title: info.title } : {}),
    config,
    connection: { baseUrl: '{config.baseUrl}', headers: { Accept: 'application/json' }, auth: auth.auth },
    resources,
  };
  inlet.comment(
    ['config'],
    'Settings: --set key=value, --config file.yaml, the env variable, or the default.',
  );
  inlet.comment(['resources'], 'One kind per list operation; a parent kind starts one chain per record.');
  const mappingNotes = new Notes('mapping.yml');
  const mapping = {
    deleteStaleEntities: true,
    deletionThreshold: 0.9,
    resources: mappings(spec, ops, parents, camelName(name), mappingNotes),
  };
  const source = `Derived by \`inlet init ${name} --from-openapi ${specFile}\` (the inlet README, "Starting a new integration").`;
  return {
    manifest: commentedYaml(
      manifest,
      [source, 'Review every TODO(inlet) line; not derived: rateLimit, webhooks, incremental reads.'],
      inlet.notes,
    ),
    mapping: commentedYaml(mapping, [`${source} A guess from the record schemas.`], mappingNotes.notes),
    todos: [...inlet.todos, ...mappingNotes.todos],
  };
}
