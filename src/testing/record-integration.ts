/**
 * `inlet record` as a function (docs/testing.md): a real sync through the recording policies into
 * a temporary catalog, then `tests/cassettes/<kind>.json`, `tests/expected.ndjson` and
 * `tests/settings.yaml` written, every secret masked. Nothing is written when any file would still
 * hold a secret value in any encoding the Redactor knows (SecretLeakError).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { openCatalog } from '../catalog/index.js';
import { ConfigError, SecretLeakError } from '../errors/errors.js';
import type { Logger } from '../http/log.js';
import type { SettingsOptions } from '../manifest/settings.js';
import { openIntegration } from '../sync/open-integration.js';
import { cassettesDir, cassetteText, expectedFile, replaySettingsFile } from './cassette.js';
import { createRecorder, scrubberOf } from './cassette-recorder.js';
import { relativizer, stringScrub } from './cassette-scrub.js';
import { expectedText, exportCatalog } from './expected.js';

/** A secret setting's value in `tests/settings.yaml`: long enough to be sent, never a real credential. */
export const SECRET_PLACEHOLDER = 'inlet-replay-placeholder';

export interface RecordOptions extends SettingsOptions {
  /** Where `tests/` goes; another folder than the integration's gets a copy of the integration too. */
  outDir: string;
  kinds?: string[];
  logger?: Logger;
  onWarning?: (message: string) => void;
}

export interface RecordResult {
  dir: string;
  /** Interactions recorded per kind. */
  kinds: Record<string, number>;
  entities: number;
  /** Every file written, relative to `dir`. */
  files: string[];
}

/** The setting `connection.baseUrl` is made of (`{config.baseUrl}`), which a replay points at itself. */
export function baseUrlSetting(template: string): string | undefined {
  return /^\{\s*config\.([A-Za-z_][\w-]*)\s*\}$/.exec(template.trim())?.[1];
}

/**
 * @example await recordIntegration('integrations/github', { outDir: 'my-github', set: sim.settings });
 */
export async function recordIntegration(source: string, options: RecordOptions): Promise<RecordResult> {
  const integration = await openIntegration(source, { ...options, onWarning: options.onWarning });
  const temp = await mkdtemp(join(tmpdir(), 'inlet-record-'));
  try {
    const { loaded } = integration;
    const baseKey = baseUrlSetting(loaded.manifest.connection.baseUrl);
    if (!baseKey) {
      throw new ConfigError(
        `connection.baseUrl: "${loaded.manifest.connection.baseUrl}" is not one setting ({config.NAME}); a replay must point it at its server`,
      );
    }
    const recorder = createRecorder();
    const db = join(temp, 'record.db');
    const store = await openCatalog(db);
    try {
      const runs =
        loaded.manifest.resources && Object.values(loaded.manifest.resources).some((r) => r.incremental)
          ? 2
          : 1;
      for (let run = 0; run < runs; run++) {
        // The second run of an incremental integration records the requests carrying the stored cursors.
        const summary = await integration.sync({
          db: store,
          kinds: options.kinds,
          logger: options.logger,
          onWarning: options.onWarning,
          connect: { policies: recorder.policies },
        });
        if (summary.status !== 'succeeded') {
          const failed = summary.kinds.find((k) => k.error);
          throw new ConfigError(
            `record: the sync ${summary.status} (${failed?.error ?? summary.notes[0] ?? 'no reason'}); nothing written`,
          );
        }
      }
      const client = integration.connect();
      const baseUrl = client.baseUrl;
      await client.close();
      const redactor = scrubberOf(loaded.settings.secrets);
      const named = (
        Array.isArray(loaded.manifest.connection.rateLimit)
          ? loaded.manifest.connection.rateLimit
          : loaded.manifest.connection.rateLimit
            ? [loaded.manifest.connection.rateLimit]
            : []
      ).flatMap((r) => (r.headers ? [r.headers.remaining, r.headers.reset] : []));
      const cassettes = recorder.cassettes({ baseUrl, redactor, headers: named });
      const scrub = stringScrub(relativizer(baseUrl), redactor);
      const entities = await exportCatalog(store, loaded.manifest.name, scrub);

      const outDir = resolve(options.outDir);
      const files = new Map<string, string>();
      for (const [kind, cassette] of cassettes)
        files.set(join(cassettesDir(outDir), `${kind}.json`), cassetteText(cassette));
      files.set(expectedFile(outDir), expectedText(entities));
      files.set(
        replaySettingsFile(outDir),
        settingsText(loaded.manifest.config ?? {}, loaded.settings.values, baseKey),
      );
      // The copied manifest, mapping and README with secret values masked (a README may quote a token).
      const copies =
        resolve(loaded.dir) === outDir
          ? []
          : await integrationFiles(loaded.dir, loaded.file, loaded.mappingFile);
      for (const [, to, text] of copies) files.set(to, redactor.text(text));
      // The check: no file may hold a secret in any of its forms, the copied manifest included.
      for (const [file, text] of files) {
        if (redactor.contains(text)) {
          throw new SecretLeakError(`record: refusing to write ${file}: a secret value still occurs in it`);
        }
      }
      await mkdir(cassettesDir(outDir), { recursive: true });
      for (const [file, text] of files) {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
      }
      return {
        dir: outDir,
        kinds: Object.fromEntries([...cassettes].map(([k, c]) => [k, c.length])),
        entities: entities.length,
        files: [...files.keys()].map((f) => f.slice(outDir.length + 1)),
      };

      async function integrationFiles(dir: string, manifest: string, mapping: string | undefined) {
        const out: Array<[string, string, string]> = [];
        const names = [manifest, mapping, join(dir, 'README.md')].filter((f): f is string => f !== undefined);
        for (const from of new Set(names)) {
          const text = await readFile(from, 'utf8').catch(() => undefined);
          if (text !== undefined) out.push([from, join(outDir, from.slice(resolve(dir).length + 1)), text]);
        }
        return out;
      }
    } finally {
      await store.close();
    }
  } finally {
    await integration.close();
    await rm(temp, { recursive: true, force: true });
  }
}

/** `tests/settings.yaml`: the values the recording used, secrets as placeholders, the base URL left to the replay. */
function settingsText(
  config: Record<string, { type: string }>,
  values: Record<string, unknown>,
  baseKey: string,
): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === baseKey || value === undefined) continue;
    out[key] = config[key]?.type === 'secret' ? (value === '' ? '' : SECRET_PLACEHOLDER) : value;
  }
  const header =
    '# Settings for `inlet test` (written by `inlet record`): secrets are placeholders, the base URL is the replay server.\n';
  return Object.keys(out).length === 0 ? `${header}{}\n` : header + stringify(out);
}
