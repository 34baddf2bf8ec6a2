import fs from 'node:fs';
import path from 'node:path';
import { toConfigError } from './errors.js';
import { defaultConfigDir, SETTING_KEYS, type SettingKey, type Settings } from './schema.js';
import type { OpenConfigOptions } from './store.js';

/** The part of the config a call needs: where it is and what it holds. */
export interface ConfigReader {
  /** Absolute path of the config file. */
  readonly path: string;
  /** Every saved setting with its raw value; resolution checks each one. */
  values(): Partial<Settings>;
  /** Every key in the file, settings or not (the unknown ones are warned about). */
  keys(): string[];
}

/**
 * Reads the config file without `conf`. A call only reads settings, and loading conf (with
 * its JSON-schema validator) costs about 65 ms of start-up before the call can be created;
 * values are checked by `resolveSettings` instead, which names the file and the key. A missing
 * file is an empty config. Throws ConfigError for a file that is not a JSON object.
 */
export function readConfig(options: OpenConfigOptions = {}): ConfigReader {
  const file = path.join(options.cwd ?? defaultConfigDir(), 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { path: file, values: () => ({}), keys: () => [] };
    throw toConfigError(error, file);
  }
  let parsed: unknown;
  try {
    // conf treats an empty file as an empty config; so do we.
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw toConfigError(error, file);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw toConfigError(new SyntaxError('not an object'), file);
  }
  const record = parsed as Record<string, unknown>;
  const known: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) {
    if (Object.hasOwn(record, key) && record[key] !== undefined) known[key] = record[key];
  }
  return { path: file, values: () => known as Partial<Settings>, keys: () => Object.keys(record) };
}
