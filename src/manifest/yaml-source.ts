/**
 * YAML parsing that keeps positions, so every manifest error can name `<file>:<line>`.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from '../errors/errors.js';

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

/** One error line: `<file>:<line>: <field.path>: <message>` (no file and line without a source). */
export function errorLine(source: YamlSource | undefined, path: FieldPath, message: string): string {
  const where = source ? `${source.file}:${source.lineOf(path)}: ` : '';
  return `${where}${formatPath(path)}: ${message}`;
}

/** Throw one ConfigError for a list of lines: the first, plus how many more there are. */
export function throwLines(lines: string[]): void {
  if (lines.length === 0) return;
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : '';
  throw new ConfigError(`${lines[0]}${more}`);
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
    throw new ConfigError(`${file}:${lineAt(firstError.pos[0])}: YAML: ${message}`);
  }
  const source: YamlSource = {
    file,
    value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
    lineOf: (path) => lineAt(locate(doc, path)),
  };
  throwLines(duplicateKeys(doc.contents, [], (key) => `${file}:${lineAt(rangeStart(key) ?? 0)}`));
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
  where: (key: unknown) => string,
): string[] {
  const lines: string[] = [];
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (seen.has(key)) {
        lines.push(`${where(pair.key)}: ${formatPath([...path, key])}: duplicate key "${key}"`);
      }
      seen.add(key);
      lines.push(...duplicateKeys(pair.value, [...path, key], where));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      lines.push(...duplicateKeys(item, [...path, index], where));
    });
  }
  return lines;
}
