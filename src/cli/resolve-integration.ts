/**
 * `inlet <verb> <integration>` accepts a built-in name, a folder or a path to an inlet.yaml
 * (manifest contract). Built-in integrations arrive with issue 4; until then a name is a path.
 */
export function resolveIntegration(target: string): string {
  return target;
}
