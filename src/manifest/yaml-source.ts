/**
 * YAML parsing that keeps positions, so every manifest error can name `<file>:<line>`.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors/errors.js';

export type FieldPath = ReadonlyArray<string | number>;

/** A parsed YAML file with the means to turn a field path into a line number. */
export interface YamlSource {
  file: string;
  value: unknown;
  /** 1-based line of the deepest node on `path` that exists (the key's line for a map entry). */
  lineOf(path: FieldPath): number;
}

/** `resources.pull-request.paginate.type`, `mapping.resources[0].kind`. */
function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(root)';
}

/** One issue at `path` of `source` (file and line left out without a source). */
export function issueAt(
  source: YamlSource | undefined,
  path: FieldPath,
  message: string,
  code = 'invalid',
): ConfigIssue {
  return {
    ...(source && { file: source.file, line: source.lineOf(path) }),
    path: formatPath(path),
    code,
    message,
  };
}

/** Throw one ConfigError carrying every issue (the CLI prints each on its own line). */
export function throwIssues(issues: ConfigIssue[]): void {
  if (issues.length > 0) throw ConfigError.of(issues);
}

/**
 * Parse YAML text. Syntax errors and duplicate keys are ConfigErrors with file and line.
 * @example parseYaml('name: acme\n', 'inlet.yaml').value // { name: 'acme' }
 */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by our own walk below so the error can name the field path.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const firstError = doc.errors[0];
  if (firstError) {
    const message = firstError.message.split('\n')[0] ?? firstError.message;
    throw ConfigError.of([
      { file, line: lineAt(firstError.pos[0]), path: '', code: 'yaml', message: `YAML: ${message}` },
    ]);
  }
  const source: YamlSource = {
    file,
    value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
    lineOf: (path) => lineAt(locate(doc, path)),
  };
  throwIssues(duplicateKeys(doc.contents, [], (key) => lineAt(rangeStart(key) ?? 0), file));
  return source;
}

/** Offset of the deepest node along `path`. */
function locate(doc: Document, path: FieldPath): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) break;
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

function duplicateKeys(
  node: unknown,
  path: Array<string | number>,
  lineOf: (key: unknown) => number,
  file: string,
): ConfigIssue[] {
  const lines: ConfigIssue[] = [];
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (seen.has(key)) {
        lines.push({
          file,
          line: lineOf(pair.key),
          path: formatPath([...path, key]),
          code: 'duplicate_key',
          message: `duplicate key "${key}"`,
        });
      }
      seen.add(key);
      lines.push(...duplicateKeys(pair.value, [...path, key], lineOf, file));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      lines.push(...duplicateKeys(item, [...path, index], lineOf, file));
    });
  }
  return lines;
}
