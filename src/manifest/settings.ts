/**
 * Settings resolution (manifest contract §2): `--set key=value`, then a `--config` YAML file, then
 * the setting's environment variable, then its default. A secret value never appears in a message.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/errors.js';
import type { Setting } from './schema.js';
import { parseYaml, type YamlSource } from './yaml-source.js';

export interface SettingsOptions {
  /** `key=value` pairs from `--set`; the last one for a key wins. @default [] */
  set?: string[];
  /** Path of a YAML file mapping setting keys to values (`--config`). */
  configFile?: string;
  /** Environment to read `env:` variables from. @default {} */
  env?: Record<string, string | undefined>;
}

export interface ResolvedSettings {
  /** Typed values by key: numbers, booleans, string lists; absent when unset and not required. */
  values: Record<string, unknown>;
  /** Every secret value that is set, for a Redactor. */
  secrets: string[];
}

interface Candidate {
  value: unknown;
  from: string;
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * Resolve every setting to a typed value, or throw a ConfigError naming the key and where it may be supplied.
 * @example resolveSettings({ orgs: { type: 'list', env: 'ACME_ORGS' } }, { env: { ACME_ORGS: 'a,b' } })
 * // { values: { orgs: ['a', 'b'] }, secrets: [] }
 */
export function resolveSettings(
  config: Record<string, Setting> | undefined,
  options: SettingsOptions = {},
): ResolvedSettings {
  const settings = config ?? {};
  const known = Object.keys(settings).join(', ') || 'none';
  const fromSet = new Map<string, string>();
  for (const pair of options.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set "${pair.split('=')[0]}": expected key=value`);
    const key = pair.slice(0, eq);
    if (!(key in settings)) throw new ConfigError(`--set ${key}: unknown setting "${key}" (known: ${known})`);
    fromSet.set(key, pair.slice(eq + 1));
  }
  const file = options.configFile ? readConfigFile(options.configFile, settings, known) : undefined;
  const fileValues = (file?.value ?? {}) as Record<string, unknown>;

  const values: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const [key, setting] of Object.entries(settings)) {
    const candidate = pick(key, setting, fromSet, fileValues, file, options.env ?? {});
    if (candidate === undefined) {
      if (setting.required)
        throw new ConfigError(`setting "${key}" is required: ${whereToSupply(key, setting)}`);
      continue;
    }
    const value = coerce(key, setting, candidate);
    values[key] = value;
    if (setting.type === 'secret' && typeof value === 'string' && value !== '') secrets.push(value);
  }
  return { values, secrets };
}

function pick(
  key: string,
  setting: Setting,
  fromSet: Map<string, string>,
  fileValues: Record<string, unknown>,
  file: YamlSource | undefined,
  env: Record<string, string | undefined>,
): Candidate | undefined {
  const set = fromSet.get(key);
  if (set !== undefined) return { value: set, from: '--set' };
  if (file && fileValues[key] !== undefined && fileValues[key] !== null) {
    return { value: fileValues[key], from: `${file.file}:${file.lineOf([key])}` };
  }
  const fromEnv = setting.env ? env[setting.env] : undefined;
  if (setting.env && fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: setting.env };
  if (setting.default !== undefined) return { value: setting.default, from: 'the default' };
  return undefined;
}

function whereToSupply(key: string, setting: Setting): string {
  const places = [`pass --set ${key}=…`, 'put it in --config'];
  if (setting.env) places.push(`set ${setting.env}`);
  const last = places.pop();
  return `${places.join(', ')}, or ${last}`;
}

function readConfigFile(path: string, settings: Record<string, Setting>, known: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `--config ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: error,
      },
    );
  }
  const source = parseYaml(text, path);
  const value = source.value;
  if (value === null || value === undefined) return { ...source, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${path}:1: expected a map of setting names to values`);
  }
  for (const key of Object.keys(value)) {
    if (!(key in settings)) {
      throw new ConfigError(
        `${path}:${source.lineOf([key])}: ${key}: unknown setting "${key}" (known: ${known})`,
      );
    }
  }
  return source;
}

/** Type a raw value; messages show `***` instead of a secret. */
function coerce(key: string, setting: Setting, { value, from }: Candidate): unknown {
  const shown = setting.type === 'secret' ? '***' : JSON.stringify(value);
  const fail = (problem: string): never => {
    throw new ConfigError(`setting "${key}" ${problem}, got ${shown} (from ${from})`);
  };
  let typed: unknown;
  switch (setting.type) {
    case 'number': {
      const number =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(number)) fail('must be a number');
      typed = number;
      break;
    }
    case 'boolean': {
      if (typeof value === 'boolean') typed = value;
      else {
        const text = String(value).trim().toLowerCase();
        if (TRUE.has(text)) typed = true;
        else if (FALSE.has(text)) typed = false;
        else fail('must be a boolean (true/false/1/0/yes/no)');
      }
      break;
    }
    case 'list': {
      // Comma separated from --set and env; a YAML list from a config file or a default.
      const items = Array.isArray(value) ? value : String(value).split(',');
      if (items.some((item) => item !== null && typeof item === 'object'))
        fail('must be a list of plain values');
      typed = items.map((item) => String(item).trim()).filter((item) => item !== '');
      break;
    }
    case 'url': {
      const text = String(value);
      let url: URL | undefined;
      try {
        url = new URL(text);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        fail('must be an absolute http(s) URL');
      typed = text;
      break;
    }
    default:
      if (typeof value === 'object') fail('must be a single value');
      typed = String(value);
  }
  if (setting.enum) {
    const allowed = setting.enum.map(String);
    const items = Array.isArray(typed) ? typed : [typed];
    for (const item of items) {
      if (!allowed.includes(String(item))) {
        const bad = setting.type === 'secret' ? '***' : JSON.stringify(item);
        throw new ConfigError(
          `setting "${key}" must be one of ${allowed.join(', ')}, got ${bad} (from ${from})`,
        );
      }
    }
  }
  return typed;
}
