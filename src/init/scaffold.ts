/**
 * `inlet init <name> [--dir DIR] [--from-openapi FILE]` as a function (docs/init.md): a new
 * integration folder, either the commented starter that `inlet test` passes at once, or a manifest
 * derived from an OpenAPI 3 description with every undecided point marked `# TODO(inlet): …`.
 */
import { resolve } from 'node:path';
import { manifestFromOpenapi } from './openapi-manifest.js';
import { readOpenapi } from './openapi-read.js';
import { starterManifest, starterMapping, titleName } from './starter-manifest.js';
import { starterTests } from './starter-tests.js';
import { checkIntegrationName, checkTargetFolder, writeFiles } from './target-folder.js';

export interface InitOptions {
  /** The integration folder to create. @default `./<name>` */
  dir?: string;
  /** An OpenAPI 3 description (JSON or YAML) to derive the manifest from. */
  fromOpenapi?: string;
}

export interface InitResult {
  /** The folder written. */
  dir: string;
  /** The files written, relative to `dir`. */
  files: string[];
  /** The decisions left to the author, in file order, as marked `# TODO(inlet): …` in the files. */
  todos: string[];
}

/**
 * Create the integration folder; nothing is written when the name is not kebab-case, the folder is
 * not empty, or the OpenAPI file cannot be read (each a one-line E_CONFIG error).
 * @example const { files, todos } = await initIntegration('acme', { fromOpenapi: 'openapi.yaml' });
 */
export async function initIntegration(name: string, options: InitOptions = {}): Promise<InitResult> {
  checkIntegrationName(name);
  const dir = options.dir ?? name;
  await checkTargetFolder(resolve(dir));
  if (options.fromOpenapi) {
    const spec = await readOpenapi(options.fromOpenapi);
    const derived = manifestFromOpenapi(name, spec, options.fromOpenapi);
    const files = await writeFiles(dir, {
      'inlet.yaml': derived.manifest,
      'mapping.yml': derived.mapping,
      'README.md': openapiReadme(name, options.fromOpenapi, derived.todos),
    });
    return { dir, files, todos: derived.todos };
  }
  const files = await writeFiles(dir, {
    'inlet.yaml': starterManifest(name),
    'mapping.yml': starterMapping(name),
    'README.md': starterReadme(name, dir),
    ...starterTests(name),
  });
  return { dir, files, todos: [] };
}

function starterReadme(name: string, dir: string): string {
  return `# ${titleName(name)}

An Inlet integration created by \`inlet init ${name}\`. It reads an example API of projects and
their tasks; replace it with yours.

| file | what it holds |
|---|---|
| \`inlet.yaml\` | settings, connection, resources (every field explained in a comment) |
| \`mapping.yml\` | how records become catalog entities (jq, port-app-config shape) |
| \`tests/cassettes/<kind>.json\` | recorded requests and responses, one file per kind |
| \`tests/expected.ndjson\` | the catalog export a replay must produce |
| \`tests/settings.yaml\` | settings for the replay (placeholders, never real secrets) |

\`\`\`sh
inlet test ${dir}                                   # replay the cassettes offline and run the checks
inlet check ${dir} --set baseUrl=https://api.example.com --set token=…
inlet sync ${dir} --set token=…                     # into ./inlet.db
inlet record ${dir} --set token=…                   # re-record tests/ from the real API
\`\`\`
`;
}

function openapiReadme(name: string, spec: string, todos: string[]): string {
  const open = todos.length ? todos.map((todo) => `- ${todo}`).join('\n') : '- none';
  return `# ${titleName(name)}

An Inlet integration derived by \`inlet init ${name} --from-openapi ${spec}\`. Review \`inlet.yaml\`
and \`mapping.yml\`: every decision the import could not make is marked \`# TODO(inlet): …\`.

## Open decisions

${open}

## Next steps

\`\`\`sh
inlet check ${name} --set …        # validate and make one request
inlet sync ${name} --set …         # into ./inlet.db
inlet record ${name} --set …       # write tests/ (cassettes, expected.ndjson) for inlet test
\`\`\`
`;
}
