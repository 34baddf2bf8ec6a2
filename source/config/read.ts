import fs from 'node:fs';
import path from 'node:path';
import { maskKey } from '../api/mask-key.js';
import { ConfigFileError, FIX_ADVICE, invalidValueMessage, toConfigError } from './errors.js';
import {
  checkSaved,
  defaultConfigDir,
  displayValue,
  SETTING_KEYS,
  SETTING_SPECS,
  type SettingKey,
  type Settings,
  type SettingValue,
} from './schema.js';
import type { OpenConfigOptions } from './store.js';

/** The part of the config a call needs: where it is and what it holds. */
export interface ConfigReader {
  /** Absolute path of the config file. */
  readonly path: string;
  /**
   * Every saved setting, checked and typed (`savedSettings`). Throws the ConfigFileError naming
   * each bad value here, not when the file is read: its `keys` can be warned about first.
   */
  values(): Partial<Settings>;
  /** Every key in the file, settings or not (the unknown ones are warned about). */
  keys(): string[];
}

/**
 * Reads the config file without `conf`. A call only reads settings, and loading conf costs
 * about 65 ms of start-up before the call can be created. The file is read by the same rules as
 * `config` reads it (`parseConfigText`, `savedSettings`): a missing or blank file is an empty
 * config (nothing is made: a HOME that cannot be written is no matter to a read); one that is
 * not a JSON object stops the call with a ConfigFileError naming the file, and one that holds a
 * value of the wrong type or out of range does when its values are asked for, naming the key
 * (after the keys that are no setting have been said: a misspelled one beside a bad value may be
 * why).
 */
export function readConfig(options: OpenConfigOptions = {}): ConfigReader {
  return readConfigView(options);
}

/**
 * What `config get` and `config list` need of the file: read as a call reads it
 * ({@link readConfig}), values shown as they show them. `conf` is for writing: opening it makes
 * the config directory, which a read has no need of.
 */
export interface ConfigView extends ConfigReader {
  /** The saved value of a setting, or undefined when it is not saved. */
  get<K extends SettingKey>(key: K): Settings[K] | undefined;
  /** Saved settings as display strings, in display order; the API key is masked. */
  list(): Array<{ key: SettingKey; value: string }>;
  /**
   * {@link list} that does not stop at an invalid value: the valid ones as display strings, and
   * for each invalid one what a call says of it. Optional: a view without it lists as `list`.
   */
  checkedList?(): {
    entries: Array<{ key: SettingKey; value: string }>;
    problems: Map<SettingKey, string>;
  };
}

/** Where the config file is (or would be), without opening it. */
export function configFilePath(options: OpenConfigOptions = {}): string {
  return path.join(options.cwd ?? defaultConfigDir(), 'config.json');
}

/** The config file read as a call reads it ({@link readConfig}), for `config get` and `list`. */
export function readConfigView(options: OpenConfigOptions = {}): ConfigView {
  const file = configFilePath(options);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw toConfigError(error, file);
    text = '';
  }
  const record = parseConfigText(text, file);
  return viewOfRecord(() => record, file);
}

/** The settings view of a config file's `record` (read each time it is asked for). */
export function viewOfRecord(
  record: () => Record<string, unknown>,
  file: string,
): Required<ConfigView> {
  let saved: { from: Record<string, unknown>; values: Partial<Settings> } | undefined;
  const values = (): Partial<Settings> => {
    const from = record();
    if (saved?.from !== from) saved = { from, values: savedSettings(from, file) };
    return saved.values;
  };
  const shown = (known: Partial<Settings>) =>
    SETTING_KEYS.filter((key) => known[key] !== undefined).map((key) => ({
      key,
      value: displayValue(key, known[key], maskKey),
    }));
  return {
    path: file,
    values,
    keys: () => Object.keys(record()),
    get: (key) => values()[key],
    list: () => shown(values()),
    checkedList: () => {
      const { known, problems } = checkedSettings(record(), file);
      return { entries: shown(known), problems };
    },
  };
}

/**
 * The config file's text as its record of keys (conf's `deserialize` too). A byte order mark is
 * skipped and a blank file is an empty config; text that is not JSON, or JSON that is not an
 * object, is a ConfigFileError naming the file (never quoting it: it may hold a key).
 */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw toConfigError(error, file);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const what = Array.isArray(parsed)
      ? 'an array'
      : parsed === null
        ? 'null'
        : `a ${typeof parsed}`;
    throw new ConfigFileError(
      `The config file ${file} holds ${what}, not an object of settings ({"sampleRate": 16000, …}). ${FIX_ADVICE}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * The settings a config file's record holds, each checked by `checkSaved` (the JSON type it is
 * saved as, and its allowed values). Keys that are no setting are left out (and warned about by
 * whoever lists them). Throws a ConfigFileError naming every invalid value.
 */
export function savedSettings(record: Record<string, unknown>, file: string): Partial<Settings> {
  const { known, problems } = checkedSettings(record, file);
  if (problems.size > 0) throw new ConfigFileError([...problems.values()].join('\n'));
  return known;
}

/**
 * {@link savedSettings} without stopping at a bad value: the good ones, and for each bad one
 * what a call says of it (`Invalid value for leadMs in …: 5. Allowed: …`), so `config list` can
 * show every setting with the bad one marked.
 */
export function checkedSettings(
  record: Record<string, unknown>,
  file: string,
): { known: Partial<Settings>; problems: Map<SettingKey, string> } {
  const known: Partial<Record<SettingKey, SettingValue>> = {};
  const problems = new Map<SettingKey, string>();
  for (const spec of SETTING_SPECS) {
    const raw = record[spec.key];
    if (!Object.hasOwn(record, spec.key) || raw === undefined) continue;
    const result = checkSaved(spec, raw);
    if (result.ok) known[spec.key] = result.value;
    else if (result.meant !== undefined) {
      // `"16000"` for 16000: what to write is known, and said instead of what is allowed.
      const said = invalidValueMessage(`${spec.key} in ${file}`, raw, spec, result.reason);
      problems.set(
        spec.key,
        `${said.slice(0, -1)} (or run: omnia-voice config set ${spec.key} ${String(result.meant)}).`,
      );
    } else {
      problems.set(
        spec.key,
        `${invalidValueMessage(`${spec.key} in ${file}`, raw, spec, result.reason)} Fix it with: omnia-voice config set ${spec.key} <value> (or config unset ${spec.key}).`,
      );
    }
  }
  return { known: known as Partial<Settings>, problems };
}
