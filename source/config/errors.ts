import fs from 'node:fs';
import { maskKey } from '../api/mask-key.js';
import { sanitizeServerText } from '../api/sanitize.js';
import { whereJsonBreaks } from '../text/json-position.js';
import type { SettingSpec } from './schema.js';

/**
 * A configuration problem the user fixes by editing a value or a file. The message says which
 * value or file and how; there is no stack trace, because the code is not at fault.
 */
export class ConfigError extends Error {
  /** What was noticed before the error (a `.env` line dropped): said before it. */
  readonly warnings: readonly string[];

  constructor(message: string, warnings: readonly string[] = []) {
    super(message);
    this.warnings = warnings;
    this.name = 'ConfigError';
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * `Invalid value for sampleRate: "abc". Allowed: an integer from 8000 to 48000.`
 * `label` names the thing the user typed (a key, a variable, a flag); secrets are masked. A
 * `reason` from the check (what is wrong, when "Allowed: …" would not say it) replaces the
 * allowed values: `Invalid value for --api-base: "http://h:99999" has a port out of range …`.
 */
export function invalidValueMessage(
  label: string,
  raw: unknown,
  spec: SettingSpec,
  reason?: string,
): string {
  const shown = showValue(raw, spec);
  if (reason) return `Invalid value for ${label}: ${shown} ${reason}.`;
  return `Invalid value for ${label}: ${shown}. Allowed: ${spec.allowed}.`;
}

function showValue(raw: unknown, spec: SettingSpec): string {
  if (spec.secret) return typeof raw === 'string' ? `"${maskKey(raw)}"` : 'a non-string value';
  // A URL's query and its user and password are not echoed: they may hold a credential
  // (`?sig=…`, `https://me:pw@host`).
  if (typeof raw === 'string') {
    const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim())
      ? raw.replace(/\?.*$/s, '?…').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1…@')
      : raw;
    return JSON.stringify(sanitizeServerText(shown, 80));
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return `a value of type ${raw === null ? 'null' : typeof raw}`;
}

/**
 * The config file cannot be used as it is (not JSON, not an object, a value of the wrong type or
 * out of range): `config` exits 1 for it, as for a file it cannot read.
 */
export class ConfigFileError extends ConfigError {}

export const FIX_ADVICE =
  'Fix it in an editor, or delete it and save values again with "omnia-voice config set".';

/** Explains a conf failure in terms of the file, without echoing its contents (it may hold a key). */
export function toConfigError(error: unknown, filePath: string): ConfigError {
  if (error instanceof ConfigError) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
  };
  const message = typeof record.message === 'string' ? record.message : '';
  if (record.name === 'SyntaxError') {
    return new ConfigFileError(
      `The config file ${filePath} is not valid JSON${jsonPosition(message, filePath)}. ${FIX_ADVICE}`,
    );
  }
  const code = typeof record.code === 'string' ? record.code : 'unknown error';
  return new ConfigError(
    `Cannot use the config file ${filePath} (${code}). Check that you own it and its directory.`,
  );
}

/**
 * ` (line 3, column 7)` where the file stops being JSON, else nothing. conf 16 no longer passes
 * JSON.parse's position on (its message names only the file), so the file is parsed again here;
 * only the position is kept, never the text around it (it may hold a key).
 */
function jsonPosition(message: string, filePath: string): string {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return '';
  }
  let detail = message;
  try {
    JSON.parse(text);
  } catch (error) {
    detail = error instanceof Error ? error.message : message;
  }
  return whereJsonBreaks(text, detail);
}
