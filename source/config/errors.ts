import fs from 'node:fs';
import path from 'node:path';
import { maskKey } from '../api/mask-key.js';
import { sanitizeServerText } from '../api/sanitize.js';
import { readErrorReason, writeErrorReason } from '../text/file-errors.js';
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
  const guess = closestAllowed(raw, spec);
  const meant = guess === undefined ? '' : ` Did you mean ${guess}?`;
  return `Invalid value for ${label}: ${shown}.${meant} Allowed: ${spec.allowed}.`;
}

/** The allowed value closest to a refused one, for a setting with a fixed set of values. */
function closestAllowed(raw: unknown, spec: SettingSpec): string | undefined {
  if (spec.secret || typeof raw !== 'string' || !spec.suggest) return undefined;
  const guess = spec.suggest(raw);
  // Only a value that would be taken (a device name kept from the typo is shown safely).
  if (guess === undefined || guess === raw.trim() || !spec.check(guess).ok) return undefined;
  return sanitizeServerText(guess, 80);
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
  if (typeof record.code !== 'string') {
    return new ConfigError(
      `Cannot use the config file ${filePath} (unknown error). Check that you own it and its directory.`,
    );
  }
  return new ConfigError(
    `Cannot use the config file ${filePath}: ${unusable(error as NodeJS.ErrnoException, filePath)}`,
  );
}

/**
 * Why the config file cannot be read or written, in words, with its code and what to do:
 * `it is a directory, not a file (EISDIR). Remove or rename …`. A bare `(EISDIR)` told a new
 * user to check who owns a folder that was simply in the file's place.
 */
function unusable(error: NodeJS.ErrnoException, file: string): string {
  const code = error.code ?? '';
  const anew = '"omnia-voice config set" then saves settings in a new file.';
  switch (code) {
    case 'EISDIR':
      return `it is a directory, not a file (EISDIR). Remove or rename that directory: ${anew}`;
    case 'ENOTDIR':
    case 'EEXIST': {
      const blocker = fileOnThePath(file);
      // The folder a variable names is a file: the variable is what to change, not the file
      // (HOME set to a WAV once had the user told to remove the WAV).
      const variable = blocker === undefined ? undefined : variableNaming(blocker);
      if (variable === 'HOME') {
        return `HOME is ${blocker}, a file, not a directory (${code}), so the config file cannot be under it. Set HOME to your home folder (or XDG_CONFIG_HOME to a folder for settings).`;
      }
      if (variable === 'XDG_CONFIG_HOME') {
        return `XDG_CONFIG_HOME is ${blocker}, a file, not a directory (${code}), so the config file cannot be under it. Set XDG_CONFIG_HOME to a folder, or unset it.`;
      }
      return blocker
        ? `${blocker} is a file, not a directory (${code}), so the config file cannot be inside it. Remove or rename ${blocker}: ${anew}`
        : `a part of its path is not a directory (${code}): a file, or a link to one, is where a directory should be. Check the path and the links on it.`;
    }
    case 'EACCES':
    case 'EPERM': {
      // Making the file's folder was refused: that folder is not there to be owned, the folder
      // it would be made in is what refused.
      const made = error.syscall === 'mkdir' ? folderNotMade(file) : undefined;
      if (made) {
        return `permission denied: its folder ${made.folder} cannot be made in ${made.parent} (${code}). Check that you own ${made.parent} and may write in it, or use a config directory you may write in (on Linux, set XDG_CONFIG_HOME).`;
      }
      return `permission denied${deniedWhere(error.path, file)} (${code}). Check that you own it and its directory, and may read and write them.`;
    }
    case 'ELOOP':
      return 'it, or a link on its path, is a loop of symbolic links (ELOOP). Remove the link, or point it at a file.';
    case 'ENAMETOOLONG':
      return `${readErrorReason(error)} (ENAMETOOLONG). Use a shorter config directory (on Linux, set XDG_CONFIG_HOME).`;
    case 'EROFS':
      return 'it is on a read-only file system (EROFS), where no setting can be saved. Use a config directory on a writable one (on Linux, set XDG_CONFIG_HOME).';
    case 'ENOSPC':
    case 'EDQUOT':
      return `${writeErrorReason(error)} (${code}). Free some space, then try again.`;
    default: {
      const reason = writeErrorReason(error);
      return `${reason === code ? 'an error' : reason} (${code}). Check the file and its directory.`;
    }
  }
}

/** `HOME` or `XDG_CONFIG_HOME` when that variable names `dir`, else undefined. */
function variableNaming(dir: string): 'HOME' | 'XDG_CONFIG_HOME' | undefined {
  for (const name of ['XDG_CONFIG_HOME', 'HOME'] as const) {
    const value = process.env[name];
    if (value && path.isAbsolute(value) && path.resolve(value) === path.resolve(dir)) return name;
  }
  return undefined;
}

/** The first part of `file`'s path that is there and is no directory (a file where one should be). */
function fileOnThePath(file: string): string | undefined {
  let found: string | undefined;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const stats = statOrUndefined(dir);
    if (stats && !stats.isDirectory()) found = dir;
  }
  return found;
}

/**
 * The config file's folder when it is not there, and the nearest folder above it that is (where
 * making it was refused); undefined when the folder is there.
 */
function folderNotMade(file: string): { folder: string; parent: string } | undefined {
  const folder = path.dirname(file);
  if (statOrUndefined(folder)) return undefined;
  for (let dir = path.dirname(folder); ; dir = path.dirname(dir)) {
    if (statOrUndefined(dir)?.isDirectory()) return { folder, parent: dir };
    if (dir === path.dirname(dir)) return undefined;
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR under the file on the path: that file is what is found.
    return undefined;
  }
}

/**
 * ` on <dir>` when permission was denied on a directory above the file, ` in its directory`
 * when on a file beside it (the temporary file a save writes first); nothing for the file.
 */
function deniedWhere(denied: string | undefined, file: string): string {
  if (denied === undefined || path.resolve(denied) === path.resolve(file)) return '';
  if (path.dirname(path.resolve(denied)) === path.dirname(path.resolve(file))) {
    return ` in its directory, ${path.dirname(file)}`;
  }
  return ` on ${denied}`;
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
