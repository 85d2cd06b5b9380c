/**
 * Where `inlet init` writes: a kebab-case integration name and a folder that is new or empty
 * (docs/init.md). Nothing is ever overwritten.
 */
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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

/**
 * Write `files` (relative path → text) into a fresh folder `dir`. They are written into a hidden
 * sibling first and renamed into place at once, so a killed init leaves no half-written
 * integration, and of two inits racing for one folder exactly one wins (rename(2) replaces only an
 * empty folder).
 */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.init-`));
  try {
    for (const [relative, text] of Object.entries(files)) {
      const file = join(staging, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, { flag: 'wx' });
    }
    await moveInto(staging, target, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return Object.keys(files);
}

async function moveInto(staging: string, target: string, shown: string): Promise<void> {
  try {
    await rename(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Windows will not rename onto an existing folder, even an empty one: remove it, then retry once.
    const empty = code === 'EPERM' && (await readdir(target).catch(() => ['?'])).length === 0;
    if (
      empty &&
      (await rmdir(target).then(
        () => true,
        () => false,
      ))
    )
      return rename(staging, target);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') {
      throw new ConfigError(`init: ${shown} was filled while writing (another init?); nothing written`, {
        cause: error,
      });
    }
    throw error;
  }
}
