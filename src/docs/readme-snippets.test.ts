import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtInDir } from '../../integrations/registry.js';
import { openIntegration } from '../sync/open-integration.js';

/**
 * Docs that run (issue 8, item 8): every ```yaml and ```ts block of the README and the integration
 * READMEs is loaded the way a user would use it, or type-checked against the package's types.
 * A block that is deliberately partial says so in the line before its fence:
 * `<!-- snippet: fragment -->` (YAML: must parse; TypeScript: not checked), or names the built-in
 * it belongs to in the top README: `<!-- snippet: mapping github -->`, `<!-- snippet: settings github -->`;
 * `<!-- snippet: mapping.yml -->` is the mapping.yml beside the README's previous manifest snippet.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Snippet {
  file: string;
  line: number;
  lang: string;
  marker: string[];
  text: string;
}

function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.startsWith('```')) i = closing(lines, i); // an unlabelled block: skip its body
      continue;
    }
    const end = closing(lines, i);
    const before =
      lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== '') ?? '';
    const marker = /^<!-- snippet: (.+?) -->$/.exec(before.trim())?.[1]?.split(/\s+/) ?? [];
    out.push({ file, line: i + 1, lang: open[1]!, marker, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

function closing(lines: string[], open: number): number {
  for (let j = open + 1; j < lines.length; j++) if (lines[j]!.startsWith('```')) return j;
  throw new Error(`line ${open + 1}: unclosed code block`);
}

const readmes = [
  'README.md',
  ...readdirSync(join(root, 'integrations'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `integrations/${d.name}/README.md`),
];
const snippets = readmes.flatMap(snippetsOf);
const yamlSnippets = snippets.filter((s) => s.lang === 'yaml' || s.lang === 'yml');
const tsSnippets = snippets.filter(
  (s) => (s.lang === 'ts' || s.lang === 'typescript') && s.marker[0] !== 'fragment',
);
const where = (s: Snippet) => `${s.file}:${s.line}`;
const isManifest = (s: Snippet) => {
  const value = parse(s.text) as Record<string, unknown> | null;
  return s.marker.length === 0 && value !== null && typeof value === 'object' && 'connection' in value;
};

/** A value for every required setting the snippet does not give, so loading gets past settings. */
function placeholders(
  config: Record<string, { type?: string; required?: boolean; default?: unknown }>,
  given = {},
) {
  const sample: Record<string, string> = { url: 'https://api.example.test', number: '1', boolean: 'true' };
  return Object.entries(config ?? {})
    .filter(([key, s]) => s.required && s.default === undefined && !(key in given))
    .map(([key, s]) => `${key}=${sample[s.type ?? ''] ?? 'x'}`);
}

/** The built-in a snippet belongs to: named in its marker, or the integration README it is in. */
function integrationOf(s: Snippet): string {
  const name = s.marker[1] ?? /^integrations\/([^/]+)\//.exec(s.file)?.[1];
  const dir = name && builtInDir(name);
  if (!dir) throw new Error(`${where(s)}: say which built-in this ${s.marker[0]} belongs to in its marker`);
  return dir;
}

const builtInConfig = (dir: string) =>
  (parse(readFileSync(join(dir, 'inlet.yaml'), 'utf8')) as { config?: Record<string, never> }).config ?? {};

/** The `mapping.yml` snippet that follows a manifest snippet (before the next manifest), if any. */
function mappingBeside(manifest: Snippet): Snippet | undefined {
  const later = yamlSnippets.filter((m) => m.file === manifest.file && m.line > manifest.line);
  const next = later.findIndex(isManifest);
  return (next < 0 ? later : later.slice(0, next)).find((m) => m.marker[0] === 'mapping.yml');
}

describe('README snippets', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'inlet-snippets-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('finds the snippets (the extractor itself works)', () => {
    expect(yamlSnippets.length).toBeGreaterThan(0);
    expect(tsSnippets.length).toBeGreaterThan(0);
  });

  it.each(yamlSnippets.map((s) => [where(s), s] as const))('%s loads', async (_, s) => {
    const value = parse(s.text) as Record<string, unknown> | null;
    const kind =
      s.marker[0] ??
      (value && 'connection' in value ? 'manifest' : Array.isArray(value?.resources) ? 'mapping' : 'yaml');
    const dir = await mkdtemp(join(tmp, 'snippet-'));
    const warnings: string[] = [];
    const onWarning = (w: string) => warnings.push(w);
    if (kind === 'manifest') {
      await writeFile(join(dir, 'inlet.yaml'), s.text);
      const beside = mappingBeside(s);
      if (beside) await writeFile(join(dir, 'mapping.yml'), beside.text);
      const config = (value?.config ?? {}) as Record<string, never>;
      await openIntegration(dir, { set: placeholders(config), onWarning });
    } else if (kind === 'mapping.yml') {
      const manifest = yamlSnippets
        .filter((m) => m.file === s.file && m.line < s.line && isManifest(m))
        .at(-1);
      if (!manifest) throw new Error(`${where(s)}: no manifest snippet before this mapping.yml`);
      await writeFile(join(dir, 'inlet.yaml'), manifest.text);
      await writeFile(join(dir, 'mapping.yml'), s.text);
      const config = ((parse(manifest.text) as { config?: Record<string, never> }).config ?? {}) as Record<
        string,
        never
      >;
      const { loaded } = await openIntegration(dir, { set: placeholders(config), onWarning });
      expect(loaded.mappingFile).toBe(join(dir, 'mapping.yml'));
    } else if (kind === 'mapping') {
      const integration = integrationOf(s);
      await writeFile(join(dir, 'mapping.yml'), s.text);
      await openIntegration(integration, {
        mapping: join(dir, 'mapping.yml'),
        set: placeholders(builtInConfig(integration)),
        onWarning,
      });
    } else if (kind === 'settings') {
      const integration = integrationOf(s);
      await writeFile(join(dir, 'settings.yaml'), s.text);
      await openIntegration(integration, {
        configFile: join(dir, 'settings.yaml'),
        set: placeholders(builtInConfig(integration), value ?? {}),
        onWarning,
      });
    } else if (kind !== 'fragment' && kind !== 'yaml') {
      throw new Error(`${where(s)}: unknown snippet marker "${kind}"`);
    }
    expect(warnings).toEqual([]);
  });

  it('every TypeScript snippet type-checks against the package types', () => {
    const virtual = new Map(
      tsSnippets.map((s, i) => [join(root, `.readme-snippet-${i}.mts`), { snippet: s, text: s.text }]),
    );
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      // What a user imports, mapped to the sources the package is built from.
      paths: { inlet: [join(root, 'src/index.ts')], 'inlet/testing': [join(root, 'src/testing/index.ts')] },
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => virtual.has(f) || fileExists(f);
    host.readFile = (f) => virtual.get(f)?.text ?? readFile(f);
    host.getSourceFile = (f, language, ...rest) => {
      const v = virtual.get(f);
      return v ? ts.createSourceFile(f, v.text, language) : getSourceFile(f, language, ...rest);
    };
    const program = ts.createProgram([...virtual.keys()], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const v = d.file && virtual.get(d.file.fileName);
      if (!d.file || !v) return `${d.file ? relative(root, d.file.fileName) : ''}: ${message}`;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${v.snippet.file}:${v.snippet.line + 1 + line}: ${message}`;
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
