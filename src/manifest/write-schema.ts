/**
 * Publishes the manifest's JSON Schema (manifest contract §1: generated from the same source as the
 * validator) so editors can autocomplete `inlet.yaml`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { manifestSchema } from './schema.js';

/** The JSON Schema of `inlet.yaml`; describes the input side (durations as `30s` or milliseconds). */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(manifestSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Inlet integration manifest (inlet.yaml)',
  };
}

/**
 * Write the JSON Schema to `file`.
 * @default file 'schema/inlet.schema.json'
 * @example await writeManifestSchema(); // schema/inlet.schema.json
 */
export async function writeManifestSchema(file = 'schema/inlet.schema.json'): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  return file;
}
