/**
 * YAML with comment lines before chosen fields and small maps written in flow style, so a
 * generated manifest reads like a hand-written one.
 */
import { Document, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

export type YamlPath = Array<string | number>;

export interface YamlNote {
  path: YamlPath;
  /** Comment lines written before the field (without `#`). */
  lines?: string[];
  /** Write the field's value on one line (`{ type: link }`). */
  flow?: boolean;
}

function nodeAt(doc: Document, path: YamlPath): { node?: Node; keyNode?: Node } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (!pair) return {};
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      keyNode = node as Node;
    } else {
      return {};
    }
  }
  return { node: node as Node, keyNode };
}

/**
 * @example commentedYaml({ a: { b: 1 } }, ['header'], [{ path: ['a'], lines: ['why'], flow: true }])
 * // '# header\n# why\na: { b: 1 }\n'
 */
export function commentedYaml(value: unknown, header: string[], notes: YamlNote[]): string {
  const doc = new Document(value);
  for (const note of notes) {
    const { node, keyNode } = nodeAt(doc, note.path);
    if (note.flow && (isMap(node) || isSeq(node))) node.flow = true;
    if (note.lines?.length && keyNode) {
      const text = note.lines.map((line) => ` ${line}`).join('\n');
      keyNode.commentBefore = keyNode.commentBefore ? `${keyNode.commentBefore}\n${text}` : text;
    }
  }
  const head = header.map((line) => `# ${line}`).join('\n');
  return `${head}\n${doc.toString({ lineWidth: 0 })}`;
}
