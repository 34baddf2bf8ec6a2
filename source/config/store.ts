import { statSync } from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { parseSinkSpecOrUndefined, parseSourceSpec } from '../audio/specs.js';
import { sanitizeLine } from '../protocol/sanitize.js';
import { ConfigError, invalidValueMessage, toConfigError } from './errors.js';
import { type ConfigView, configFilePath, parseConfigText, viewOfRecord } from './read.js';
import {
  defaultConfigDir,
  findSettingKey,
  type SettingKey,
  type Settings,
  type SettingValue,
  specFor,
  unknownSettingMessage,
} from './schema.js';

export { ConfigError } from './errors.js';

/** Owner read/write only: the file may hold an API key. */
export const CONFIG_FILE_MODE = 0o600;

/**
 * The user's saved settings (the config file), typed and validated, to change them. Only to read
 * them, `readConfigView` (read.ts) reads the file as a call does, without making its directory.
 */
export interface ConfigStore extends ConfigView {
  /**
   * Saves a setting. `key` may be spelled as in the docs or kebab-case; string values are
   * parsed into the setting's type. Throws {@link ConfigError} for unknown keys or bad values.
   */
  set(key: string, value: unknown): { key: SettingKey; value: SettingValue };
  /** Removes a saved setting (it falls back to its default). Throws for unknown keys. */
  unset(key: string): SettingKey;
  /** Removes a key the file holds that is no setting (a typo saved by hand, an old version's). */
  removeStray(key: string): void;
}

/** Where the config lives; tests pass a temporary directory. */
export interface OpenConfigOptions {
  /** Directory of config.json; default: the platform config dir (`~/.config/omnia-voice` on Linux). */
  cwd?: string;
}

/**
 * Opens the config file through conf (which writes it atomically, mode 0600). Throws
 * {@link ConfigError} if it is not JSON or not an object; values are checked as they are read.
 */
export function openConfig(options: OpenConfigOptions = {}): ConfigStore {
  // Passing the directory always (rather than letting conf derive it) means the path is
  // known even when conf fails to open the file, so the error can name it.
  const cwd = options.cwd ?? defaultConfigDir();
  const file = configFilePath({ cwd });
  let conf: Conf<Partial<Settings>>;
  try {
    // No schema: the file is read by the rules a call reads it by (`parseConfigText`,
    // `savedSettings` in read.ts), so `config list` and a call never disagree about it. A value
    // of the wrong type can still be unset or set right.
    conf = new Conf<Partial<Settings>>({
      projectName: 'omnia-voice',
      cwd,
      deserialize: (text) => parseConfigText(text, file) as Partial<Settings>,
      configFileMode: CONFIG_FILE_MODE,
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
    });
  } catch (error) {
    throw toConfigError(error, file);
  }
  return new ConfStore(conf);
}

class ConfStore implements ConfigStore {
  readonly path: string;
  readonly #conf: Conf<Partial<Settings>>;
  readonly #view: Required<ConfigView>;

  constructor(conf: Conf<Partial<Settings>>) {
    this.#conf = conf;
    this.path = conf.path;
    this.#view = viewOfRecord(() => this.#guard(() => this.#conf.store), this.path);
  }

  get<K extends SettingKey>(key: K): Settings[K] | undefined {
    return this.#view.get(key);
  }

  set(name: string, raw: unknown): { key: SettingKey; value: SettingValue } {
    const key = requireKey(name);
    const spec = specFor(key);
    // An empty value is no value: "Invalid value for apiKey: "…"" read as if one was given.
    if (typeof raw === 'string' && raw.trim() === '') {
      throw new ConfigError(
        `Invalid value for ${key}: it is empty. Give a value, or remove a saved one with: omnia-voice config unset ${key}.`,
      );
    }
    const result = spec.check(raw);
    if (!result.ok || result.value === undefined) {
      throw new ConfigError(
        invalidValueMessage(key, raw, spec, result.ok ? undefined : result.reason),
      );
    }
    const value = typeof result.value === 'string' ? savedPath(key, result.value) : result.value;
    this.#guard(() => this.#conf.set(key, value));
    return { key, value };
  }

  unset(name: string): SettingKey {
    const key = requireKey(name);
    this.#guard(() => this.#conf.delete(key));
    return key;
  }

  removeStray(key: string): void {
    // Not through the typed key: conf deletes any top-level key as written.
    this.#guard(() => this.#conf.delete(key as SettingKey));
  }

  list(): Array<{ key: SettingKey; value: string }> {
    return this.#view.list();
  }

  keys(): string[] {
    return this.#view.keys();
  }

  checkedList(): {
    entries: Array<{ key: SettingKey; value: string }>;
    problems: Map<SettingKey, string>;
  } {
    return this.#view.checkedList();
  }

  values(): Partial<Settings> {
    return this.#view.values();
  }

  #guard<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw toConfigError(error, this.path);
    }
  }
}

function requireKey(name: string): SettingKey {
  const key = findSettingKey(name);
  if (key === undefined) throw new ConfigError(unknownSettingMessage(name));
  return key;
}

/**
 * The path in a path setting as `config set` saves it. A relative one would name another file
 * from every other folder a call starts in, so it is saved as what it names where `config set`
 * ran; one that cannot be what the setting needs (a file as the transcript folder, a folder or
 * a missing file as the input WAV) is refused now rather than at the next call.
 */
function savedPath(key: SettingKey, value: string): string {
  const refuse = (what: string, reason: string) =>
    new ConfigError(`Invalid value for ${key}: ${sanitizeLine(what, 300)} ${reason}.`);
  if (key === 'transcriptDir') {
    const folder = path.resolve(value);
    const stats = statSync(folder, { throwIfNoEntry: false });
    if (stats && !stats.isDirectory()) throw refuse(folder, 'is a file, not a folder');
    return folder;
  }
  if (key !== 'input' && key !== 'output') return value;
  const spec = key === 'input' ? parseSourceSpec(value) : parseSinkSpecOrUndefined(value);
  if (spec?.kind !== 'wav') return value;
  const file = path.resolve(spec.path);
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats?.isDirectory()) throw refuse(file, 'is a folder, not a WAV file');
  if (key === 'input' && !stats) throw refuse(file, 'does not exist');
  return file;
}
