/**
 * Where `inlet init` writes: a kebab-case integration name and a folder that is new or empty
 * (docs/init.md). Nothing is ever overwritten.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors/errors.js';

/** kebab-case: lower-case words of letters and digits joined by single dashes (`acme-crm`). */
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Throws one E_CONFIG line naming the name and the rule when `name` is not kebab-case. */
export function checkIntegrationName(name: string): void {
  if (KEBAB.test(name)) return;
  throw new ConfigError(
    `init: name "${name}" must be kebab-case: lower-case letters and digits in words joined by single dashes, starting with a letter (e.g. acme-crm)`,
  );
}

/** Throws when `dir` exists and is a file or holds anything. */
export async function checkTargetFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new ConfigError(`init: ${dir} exists and is not a folder; nothing written`);
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new ConfigError(
      `init: ${dir} already exists and is not empty; nothing written (choose another name or --dir)`,
    );
  }
}

/** Write `files` (relative path → text) under `dir`, creating folders; fails if a file already exists. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [relative, text] of Object.entries(files)) {
    const file = join(resolve(dir), relative);
    await mkdir(dirname(file), { recursive: true });
    // 'wx': two inits racing into one folder never overwrite each other's files.
    await writeFile(file, text, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      throw new ConfigError(
        `init: ${join(dir, relative)} appeared while writing (another init?); not overwritten`,
        {
          cause: error,
        },
      );
    });
    written.push(relative);
  }
  return written;
}
