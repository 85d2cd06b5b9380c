/**
 * Auth from `components.securitySchemes` (spec.openapis.org/oas/v3.1.0#security-scheme-object) in
 * the manifest's auth types (§3.1): http bearer, http basic, apiKey in a header or the query, and
 * OAuth 2 client credentials. Without schemes: an optional bearer token.
 */
import { isObject, type Json, type OpenapiSpec } from './openapi-read.js';

export interface DerivedAuth {
  settings: Record<string, Json>;
  auth: Json;
  todos: string[];
}

/** The scheme a client should use: the first of the top-level `security`, else the first declared. */
function chooseScheme(
  spec: OpenapiSpec,
  schemes: Json,
): { name: string; scheme: Json; required: boolean } | undefined {
  const security = Array.isArray(spec.doc.security) ? spec.doc.security.filter(isObject) : [];
  // `security: [{}]` (an empty requirement) makes auth optional (spec: Security Requirement Object).
  const optional = security.length === 0 || security.some((entry) => Object.keys(entry).length === 0);
  const named = security.flatMap((entry) => Object.keys(entry)).find((name) => name in schemes);
  const name = named ?? Object.keys(schemes)[0];
  const scheme = name === undefined ? undefined : spec.deref(schemes[name]);
  return name !== undefined && scheme ? { name, scheme, required: !optional } : undefined;
}

/**
 * @example deriveAuth(spec, 'ACME') // { settings: { token: { type: 'secret', … } }, auth: { type: 'bearer', … } }
 */
export function deriveAuth(spec: OpenapiSpec, env: string): DerivedAuth {
  const components = isObject(spec.doc.components) ? spec.doc.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const chosen = chooseScheme(spec, schemes);
  const todos: string[] = [];
  const secret = (
    name: string,
    envName: string,
    required: boolean,
    description: string,
  ): Record<string, Json> => ({
    [name]: { type: 'secret', env: `${env}_${envName}`, required, description },
  });
  const optionalBearer = (why: string): DerivedAuth => ({
    settings: secret('token', 'TOKEN', false, 'API token sent as a bearer token; optional'),
    auth: { type: 'bearer', token: '{config.token}', when: '{config.token}' },
    todos: [...todos, why],
  });
  if (!chosen)
    return optionalBearer(
      'no securitySchemes: an optional bearer token is assumed; remove auth if the API needs none',
    );
  const { name, scheme, required } = chosen;
  const others = Object.keys(schemes).filter((other) => other !== name);
  if (others.length) todos.push(`security scheme "${name}" chosen; also declared: ${others.join(', ')}`);
  const when = required ? {} : { when: '' };
  const type = scheme.type;
  const httpScheme = typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : '';
  if (type === 'http' && httpScheme === 'bearer') {
    return {
      settings: secret('token', 'TOKEN', required, `Bearer token (security scheme ${name})`),
      auth: withWhen({ type: 'bearer', token: '{config.token}' }, when, '{config.token}'),
      todos,
    };
  }
  if (type === 'http' && httpScheme === 'basic') {
    return {
      settings: {
        username: {
          type: 'string',
          env: `${env}_USERNAME`,
          required,
          description: `User name (security scheme ${name})`,
        },
        ...secret('password', 'PASSWORD', required, `Password (security scheme ${name})`),
      },
      auth: withWhen(
        { type: 'basic', username: '{config.username}', password: '{config.password}' },
        when,
        '{config.username}',
      ),
      todos,
    };
  }
  if (
    type === 'apiKey' &&
    (scheme.in === 'header' || scheme.in === 'query') &&
    typeof scheme.name === 'string'
  ) {
    return {
      settings: secret(
        'apiKey',
        'API_KEY',
        required,
        `API key sent in ${scheme.in} ${scheme.name} (security scheme ${name})`,
      ),
      auth: withWhen(
        { type: 'apiKey', name: scheme.name, in: scheme.in, value: '{config.apiKey}' },
        when,
        '{config.apiKey}',
      ),
      todos,
    };
  }
  const flows = isObject(scheme.flows) ? scheme.flows : {};
  const client = isObject(flows.clientCredentials) ? flows.clientCredentials : undefined;
  if (type === 'oauth2' && client && typeof client.tokenUrl === 'string') {
    return {
      settings: {
        clientId: { type: 'string', env: `${env}_CLIENT_ID`, required, description: 'OAuth 2 client id' },
        ...secret('clientSecret', 'CLIENT_SECRET', required, 'OAuth 2 client secret'),
      },
      auth: withWhen(
        {
          type: 'oauth2',
          grant: 'client_credentials',
          tokenUrl: client.tokenUrl,
          clientId: '{config.clientId}',
          clientSecret: '{config.clientSecret}',
        },
        when,
        '{config.clientId}',
      ),
      todos,
    };
  }
  return optionalBearer(
    `security scheme "${name}" (${String(type)}${httpScheme ? ` ${httpScheme}` : ''}) has no manifest equivalent; a bearer token is assumed`,
  );
}

function withWhen(auth: Json, when: Json, template: string): Json {
  return 'when' in when ? { ...auth, when: template } : auth;
}
