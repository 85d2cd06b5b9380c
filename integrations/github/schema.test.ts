/**
 * The simulator's response shapes against GitHub's own OpenAPI description (fixtures/github-openapi.json):
 * every required property present and typed as GitHub documents it.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GithubSimulator, SIMULATOR_TOKEN, startSimulator } from './simulator/start.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAPI 3.0 marks a nullable schema with `nullable: true`, which JSON Schema does not know; 3.1
 * already writes `type: [x, "null"]`. Rewrite 3.0's form so Ajv accepts `null` where GitHub allows it.
 */
function nullableToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToJsonSchema);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'nullable') out[key] = nullableToJsonSchema(value);
  }
  return node.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

const doc = JSON.parse(
  await readFile(new URL('./fixtures/github-openapi.json', import.meta.url), 'utf8'),
) as {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: Json;
};
const spec = doc.openapi.startsWith('3.0.') ? (nullableToJsonSchema(doc) as typeof doc) : doc;

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: NodeNext types its default import as the module, whose `default` is the plugin.
addFormats.default(ajv);
ajv.addFormat('int64', { type: 'number', validate: Number.isSafeInteger });
ajv.addSchema({ $id: 'github', components: spec.components }, 'github');

/** The JSON schema of `path`'s `status` response (following a `$ref` to components.responses). */
function responseValidator(path: string, status: string): ValidateFunction {
  let response = spec.paths[path]?.get?.responses[status];
  const ref = response?.$ref;
  if (typeof ref === 'string') {
    response = (spec.components.responses as Record<string, Json>)[ref.split('/').pop() ?? ''];
  }
  const schema = (response?.content as Record<string, { schema: unknown }> | undefined)?.['application/json']
    ?.schema;
  if (!schema) throw new Error(`no ${status} JSON schema for GET ${path}`);
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/')));
}

function expectValid(validate: ValidateFunction, body: unknown): void {
  const ok = validate(body);
  expect(ok ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
}

describe('simulator responses match GitHub OpenAPI schemas', () => {
  let sim: GithubSimulator;
  const get = async (path: string, token: string | undefined = SIMULATOR_TOKEN) => {
    const res = await fetch(`${sim.url}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  beforeAll(async () => {
    sim = await startSimulator({ seed: 9, size: { orgs: 2, reposPerOrg: 6, prsPerRepo: 4 } });
  });
  afterAll(() => sim.close());

  it('reads a 3.0 description whose nullable fields were rewritten', () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    // The rewrite must not make a non-nullable required field accept null.
    const repos = responseValidator('/orgs/{org}/repos', '200');
    expect(repos([{ full_name: null }])).toBe(false);
  });

  it('GET /orgs/{org}: organization-full, authenticated and anonymous', async () => {
    const validate = responseValidator('/orgs/{org}', '200');
    for (const token of [SIMULATOR_TOKEN, undefined]) {
      const { status, body } = await get(`/orgs/${sim.data.orgs[0]?.login}`, token);
      expect(status).toBe(200);
      expectValid(validate, body);
    }
  });

  it('GET /orgs/{org}/repos items: minimal-repository; GET /repos/{owner}/{repo}: full-repository', async () => {
    const list = responseValidator('/orgs/{org}/repos', '200');
    const one = responseValidator('/repos/{owner}/{repo}', '200');
    for (const org of sim.data.orgs) {
      const { status, body } = await get(`/orgs/${org.login}/repos?per_page=100`);
      expect(status).toBe(200);
      expect(Array.isArray(body) && body.length).toBeGreaterThan(0);
      expectValid(list, body);
    }
    for (const repo of sim.data.repos.slice(0, 5)) {
      const { body } = await get(`/repos/${repo.fullName}`);
      expectValid(one, body);
    }
    // The check has teeth: a required property missing, or typed wrong, fails it.
    const { body } = await get(`/repos/${sim.data.repos[0]?.fullName}`);
    const { owner: _owner, ...withoutOwner } = body as Record<string, unknown>;
    expect(one(withoutOwner)).toBe(false);
    expect(one({ ...(body as object), private: 'no' })).toBe(false);
  });

  it('GET /repos/{owner}/{repo}/pulls items: pull-request-simple, open and closed', async () => {
    const validate = responseValidator('/repos/{owner}/{repo}/pulls', '200');
    const repos = [...new Set(sim.data.pulls.map((p) => p.repo))].slice(0, 6);
    let seen = 0;
    for (const repo of repos) {
      const { status, body } = await get(`/repos/${repo}/pulls?state=all&per_page=100`);
      expect(status).toBe(200);
      seen += Array.isArray(body) ? body.length : 0;
      expectValid(validate, body);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('GET /rate_limit, GET /user and the 404 error body', async () => {
    expectValid(responseValidator('/rate_limit', '200'), (await get('/rate_limit')).body);
    expectValid(responseValidator('/user', '200'), (await get('/user')).body);
    const missing = await get('/orgs/no-such-org');
    expect(missing.status).toBe(404);
    expectValid(responseValidator('/orgs/{org}', '404'), missing.body);
  });
});
