import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeManifestSchema } from './write-schema.js';

describe('writeManifestSchema', () => {
  it('writes a JSON Schema naming resources and every paginate type', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inlet-schema-'));
    const file = await writeManifestSchema(join(dir, 'schema', 'inlet.schema.json'));
    const schema = JSON.parse(await readFile(file, 'utf8')) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.properties.resources).toBeDefined();
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'connection', 'resources']));
    const text = JSON.stringify(schema);
    for (const type of ['none', 'link', 'nextUrl', 'cursor', 'offset', 'page']) {
      expect(text).toContain(`"const":"${type}"`);
    }
    expect(text).toContain('"additionalProperties":false');
  });
});
