import { maskKey } from '../api/mask-key.js';
import { sanitizeServerText } from '../api/sanitize.js';
import { ConfigError, ConfigFileError } from './errors.js';
import type { ConfigView } from './read.js';
import {
  echoGuardTurnsEchoOff,
  outranks,
  type SettingOverride,
  type SettingSource,
} from './resolve.js';
import {
  defaultSettings,
  displayValue,
  findSettingKey,
  SETTING_KEYS,
  SETTING_SPECS,
  type SettingKey,
  type SettingValue,
  unknownKeyWarnings,
  unknownSettingMessage,
} from './schema.js';
import type { ConfigStore } from './store.js';

/** Exit codes of `config`: git-style, so scripts can tell "not set" from a mistake. */
export const CONFIG_EXIT_OK = 0;
/** A setting asked for with `get` has no saved value and no default. */
export const CONFIG_EXIT_NOT_SET = 1;
/** Bad usage, unknown key or invalid value. */
export const CONFIG_EXIT_USAGE = 2;
/** The config file itself cannot be used (corrupt, unreadable). */
export const CONFIG_EXIT_FILE = 1;

/**
 * The config file not opened yet: where it is, how to read it (as a call reads it: nothing is
 * made) and how to open it to change it (conf, which makes its directory).
 */
export interface ConfigOpener {
  readonly path: string;
  read(): ConfigView;
  open(): ConfigStore;
}

const USAGE = [
  'Usage: omnia-voice config <command>',
  '  list                 saved settings and defaults',
  '  get <key>            print one setting',
  '  set <key> <value>    save a setting',
  '  unset <key>          remove a saved setting (back to its default)',
  '  path                 print the config file location',
  `Keys: ${SETTING_KEYS.join(', ')}`,
];

const API_KEY_WARNING =
  'warning: the API key is now saved in the config file (readable only by you). OMNIA_API_KEY in the environment or a .env file is recommended instead.';

/**
 * `omnia-voice config list|get <key>|set <key> <value>|unset <key>|path`. Writes what was asked
 * for through `out`, mistakes and warnings through `err` (stderr: a script reading `config get`
 * gets the value or nothing), and returns the exit code: 0 ok, 1 not set / unusable file, 2 bad
 * usage or value.
 */
export function runConfigCommand(
  args: string[],
  out: (line: string) => void,
  config: ConfigStore | ConfigOpener,
  err: (line: string) => void = out,
  /** What the environment and `.env` set over the file (`settingOverrides`): said on stderr. */
  overrides: readonly SettingOverride[] = [],
): number {
  const [command, ...rest] = args;
  // Opened only by the commands that read or write it, inside the try: a file that cannot be
  // used is exit 1 with its reason, and `path` still says where it is. Read as a call reads it
  // by the commands that only read (a HOME that cannot be written is no matter to them), and
  // opened to be written only by those that change it.
  const store = (): ConfigStore => ('open' in config ? config.open() : config);
  const view = (): ConfigView => ('read' in config ? config.read() : config);
  try {
    switch (command) {
      case 'list':
        return expectArgs('list', rest, err) ?? list(out, view(), err, overrides);
      case 'get':
        return expectArgs('get', rest, err) ?? get(rest[0]!, out, view(), err, overrides);
      case 'set':
        return expectArgs('set', rest, err) ?? set(rest[0]!, rest[1]!, out, err, store());
      case 'unset':
        return expectArgs('unset', rest, err) ?? unset(rest[0]!, out, view(), store);
      case 'path':
        return expectArgs('path', rest, err) ?? printPath(out, config.path);
      case 'help':
      case '--help':
      case '-h':
        for (const line of USAGE) out(line);
        return CONFIG_EXIT_OK;
      default: {
        // `config` alone is a mistake, as a subcommand without its key is: said on stderr, so
        // a script reading stdout gets nothing rather than the usage.
        if (command === undefined) {
          err(
            'error: config needs a command: omnia-voice config <command> (the commands are below).',
          );
          for (const line of USAGE) err(line);
          return CONFIG_EXIT_USAGE;
        }
        err(`error: Unknown config command ${JSON.stringify(sanitizeServerText(command, 40))}.`);
        for (const line of USAGE) err(line);
        return CONFIG_EXIT_USAGE;
      }
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // `error:` on each line, as a call says it: a file with two bad values is two errors.
    for (const line of error.message.split('\n')) err(`error: ${line}`);
    if (error instanceof ConfigFileError) return CONFIG_EXIT_FILE;
    return error.message.startsWith('Invalid value') || error.message.startsWith('Unknown setting')
      ? CONFIG_EXIT_USAGE
      : CONFIG_EXIT_FILE;
  }
}

/** What each config command takes, as typed: `<key> <value>`. */
const CONFIG_ARGS: Record<string, readonly string[]> = {
  list: [],
  get: ['<key>'],
  set: ['<key>', '<value>'],
  unset: ['<key>'],
  path: [],
};

/**
 * A config command given too few or too many words: one line saying what to type
 * (`config get needs a setting name: omnia-voice config get <key>`), then the usage; `config set`
 * given a name alone, that its value is missing (`config set leadMs needs a value: …`), then the
 * usage.
 */
function expectArgs(
  command: string,
  rest: string[],
  out: (line: string) => void,
): number | undefined {
  const wanted = CONFIG_ARGS[command] ?? [];
  if (rest.length === wanted.length) return undefined;
  const typed = ['omnia-voice config', command, ...wanted].join(' ');
  const key = command === 'set' && rest.length === 1 ? findSettingKey(rest[0]!) : undefined;
  const spec = key && SETTING_SPECS.find((s) => s.key === key);
  if (spec) {
    // The name was given: its value is what is missing.
    out(
      `error: config set ${spec.key} needs a value: omnia-voice config set ${spec.key} <value> (allowed: ${spec.allowed}).`,
    );
  } else if (command === 'set' && rest.length === 1) {
    // Not echoed: a lone word that is no setting may be the value itself (a key pasted first).
    out(
      `error: config set needs a known setting name and its value: ${typed} (the keys are below).`,
    );
  } else if (rest.length < wanted.length) {
    const what = wanted.length === 1 ? 'a setting name' : 'a setting name and its value';
    out(`error: config ${command} needs ${what}: ${typed} (the keys are below).`);
  } else {
    const extra = rest
      .slice(wanted.length)
      .map((word) => JSON.stringify(sanitizeServerText(word, 40)))
      .join(' ');
    const takes =
      wanted.length === 0
        ? 'takes nothing more'
        : wanted.length === 1
          ? 'takes one setting name'
          : 'takes a setting name and one value (quote a value that has spaces)';
    const left = `${extra} ${rest.length - wanted.length === 1 ? 'is' : 'are'} left over`;
    out(`error: config ${command} ${takes}, and ${left}: ${typed}.`);
  }
  for (const line of USAGE) out(line);
  return CONFIG_EXIT_USAGE;
}

function printPath(out: (line: string) => void, file: string): number {
  out(file);
  return CONFIG_EXIT_OK;
}

function defaultFor(key: SettingKey): SettingValue {
  const defaults: Partial<Record<SettingKey, SettingValue>> = defaultSettings();
  if (key === 'inputSampleRate' || key === 'outputSampleRate') return undefined;
  return defaults[key];
}

function list(
  out: (line: string) => void,
  store: ConfigView,
  err: (line: string) => void,
  overrides: readonly SettingOverride[],
): number {
  for (const warning of unknownKeyWarnings(store.keys(), store.path)) err(`warning: ${warning}`);
  // Every setting, an invalid saved one marked where it stands (rather than the error alone):
  // what it is said on stderr as a call says it, and the exit is the unusable file's.
  const { entries, problems } = store.checkedList?.() ?? {
    entries: store.list(),
    problems: new Map<SettingKey, string>(),
  };
  const saved = new Map(entries.map((entry) => [entry.key, entry.value]));
  const width = Math.max(...SETTING_KEYS.map((key) => key.length));
  for (const spec of SETTING_SPECS) {
    const name = spec.key.padEnd(width);
    const problem = problems.get(spec.key);
    if (problem !== undefined) {
      out(`${name}  invalid: ${invalidPart(problem, spec.key, store.path)}`);
      continue;
    }
    const value = saved.get(spec.key);
    if (value !== undefined) {
      out(`${name}  ${value}`);
      continue;
    }
    if (spec.key === 'echo' && problems.size === 0 && echoFor(store, []).guard) {
      out(`${name}  off  (echoGuard false)`);
      continue;
    }
    const fallback = defaultFor(spec.key);
    if (fallback !== undefined) out(`${name}  ${String(fallback)}  (default)`);
    else if (spec.key === 'inputSampleRate' || spec.key === 'outputSampleRate') {
      out(`${name}  (same as sampleRate)`);
    } else out(`${name}  (not set)`);
  }
  out(`File: ${store.path}`);
  if (problems.size > 0) {
    for (const problem of problems.values()) err(`error: ${problem}`);
    return CONFIG_EXIT_FILE;
  }
  for (const o of overrides) {
    err(o.key === 'echoGuard' ? echoGuardLine(o, store, overrides) : overrideLine(o));
  }
  return CONFIG_EXIT_OK;
}

/**
 * The value and why of a saved value a call refuses, for its row in `config list`: `5. Allowed:
 * an integer from 25 to 500.` out of `Invalid value for leadMs in …/config.json: 5. Allowed: …
 * Fix it with: …` (the whole line is said on stderr).
 */
function invalidPart(problem: string, key: SettingKey, file: string): string {
  const head = `Invalid value for ${key} in ${file}: `;
  const rest = problem.startsWith(head) ? problem.slice(head.length) : problem;
  return rest.replace(/ Fix it with: [\s\S]*$/, '').replace(/ \(or run: [\s\S]*\)\.$/, '.');
}

/**
 * `note: OMNIA_SAMPLE_RATE in the environment sets sampleRate to 8000 for calls and commands,
 * over the config file.`; for a value a call refuses, what the call says of it.
 */
function overrideLine(o: SettingOverride): string {
  if (o.invalid) return `warning: ${o.invalid} Calls and commands refuse it until it is fixed.`;
  return `note: ${o.where} sets ${o.key} to ${shownRaw(o)} for calls and commands, over the config file.`;
}

/** An override's value as a note shows it: the key masked, quoted when it has spaces. */
function shownRaw(o: SettingOverride): string {
  // A .env in a cloned project is anybody's text: no escape sequence or line break reaches
  // the terminal through it.
  const clean = sanitizeServerText(o.raw, 80);
  if (o.key === 'apiKey') return displayValue(o.key, o.raw, maskKey);
  return clean === o.raw && !/\s/.test(clean) ? clean : JSON.stringify(clean);
}

function get(
  name: string,
  out: (line: string) => void,
  store: ConfigView,
  err: (line: string) => void,
  overrides: readonly SettingOverride[],
): number {
  const key = requireKnown(name);
  // As a call says them, before a bad value the file may also hold stops it.
  for (const warning of unknownKeyWarnings(store.keys(), store.path)) err(`warning: ${warning}`);
  if (key === 'echo') return getEcho(out, store, err, overrides);
  // A script reads stdout (the saved value, or nothing); what else holds is said on stderr.
  const saved = store.get(key);
  const over = overrideOf(key, overrides);
  if (over) err(overrideLine(over));
  if (saved !== undefined) {
    out(displayValue(key, saved, maskKey));
    return CONFIG_EXIT_OK;
  }
  const fallback =
    key === 'inputSampleRate' || key === 'outputSampleRate'
      ? (store.get('sampleRate') ?? defaultFor('sampleRate'))
      : defaultFor(key);
  if (fallback === undefined) {
    err(`${key} is not set in ${store.path}, and has no default.`);
    return CONFIG_EXIT_NOT_SET;
  }
  out(String(fallback));
  return CONFIG_EXIT_OK;
}

/**
 * What sets `key` over the config file, by the rules a call follows (`resolveSettings`): a
 * general setting from a higher place than the specific one beats it. A per-direction rate
 * follows sampleRate (OMNIA_SAMPLE_RATE beats a saved inputSampleRate, and
 * OMNIA_INPUT_SAMPLE_RATE in `.env` too). Echo, which echoGuard can turn off, is `getEcho`'s.
 */
function overrideOf(
  key: SettingKey,
  overrides: readonly SettingOverride[],
): SettingOverride | undefined {
  const own = overrides.find((o) => o.key === key);
  const generalKey =
    key === 'inputSampleRate' || key === 'outputSampleRate' ? 'sampleRate' : undefined;
  const general = generalKey && overrides.find((o) => o.key === generalKey);
  if (!general) return own;
  return !own || outranks(general.source, own.source) ? general : own;
}

/** A value of `key` and the place it is from: a valid override, else the saved value. */
function placed(
  key: 'echo' | 'echoGuard',
  store: ConfigView,
  overrides: readonly SettingOverride[],
): { value: SettingValue; source: SettingSource } | undefined {
  const over = overrides.find((o) => o.key === key);
  if (over) {
    // An invalid one stops a call, which is said: what it would be is no matter.
    const checked = SETTING_SPECS.find((spec) => spec.key === key)?.check(over.raw);
    return checked?.ok ? { value: checked.value, source: over.source } : undefined;
  }
  const saved = store.get(key);
  return saved === undefined ? undefined : { value: saved, source: 'config' };
}

/**
 * The echo mode a call gets from the file and `overrides` (none: the file alone), by the call's
 * rule (`echoGuardTurnsEchoOff`), and the echoGuard that turned it off, if one did.
 */
function echoFor(
  store: ConfigView,
  overrides: readonly SettingOverride[],
): { value: string; guard?: { source: SettingSource } } {
  const echo = placed('echo', store, overrides);
  const guard = placed('echoGuard', store, overrides);
  if (guard && echoGuardTurnsEchoOff(guard.value, guard.source, echo?.source ?? 'default')) {
    return { value: 'off', guard };
  }
  return { value: String(echo?.value ?? defaultFor('echo')) };
}

/**
 * An echoGuard override's note, with what it makes of echo when that is not the file's:
 * `…, over the config file, so echo is off.`
 */
function echoGuardLine(
  o: SettingOverride,
  store: ConfigView,
  overrides: readonly SettingOverride[],
): string {
  const line = overrideLine(o);
  if (o.invalid) return line;
  const calls = echoFor(store, overrides).value;
  return calls === echoFor(store, []).value ? line : `${line.slice(0, -1)}, so echo is ${calls}.`;
}

/**
 * `config get echo`: the mode the file gives (echoGuard false saved there is `off`, as a call
 * has it), and on stderr one note: why the file's is off, what the environment or `.env` sets
 * over it for calls, or both in one line (`note: echo is off in …/config.json because echoGuard
 * is false there; for calls and commands, OMNIA_ECHO_GUARD in the environment sets echoGuard to
 * true over it, so they use echo cancel.`). A value there that calls refuse is warned of too.
 */
function getEcho(
  out: (line: string) => void,
  store: ConfigView,
  err: (line: string) => void,
  overrides: readonly SettingOverride[],
): number {
  const file = echoFor(store, []);
  const calls = echoFor(store, overrides);
  const echo = overrides.find((o) => o.key === 'echo');
  const guard = overrides.find((o) => o.key === 'echoGuard');
  for (const o of [echo, guard]) if (o?.invalid) err(overrideLine(o));
  const valid = (o: SettingOverride | undefined) => (o && !o.invalid ? o : undefined);
  // What gives a call its echo instead of the file: an echoGuard there that turns it off, else
  // echo there, else an echoGuard there that undoes the file's.
  const cause =
    calls.guard && calls.guard.source !== 'config'
      ? valid(guard)
      : (valid(echo) ?? (calls.value !== file.value ? valid(guard) : undefined));
  if (!file.guard) {
    if (cause)
      err(cause.key === 'echoGuard' ? echoGuardLine(cause, store, overrides) : overrideLine(cause));
  } else if (!cause) {
    err(`note: echo is off because echoGuard is false in ${store.path}.`);
  } else {
    const so = cause.key === 'echoGuard' ? `, so they use echo ${calls.value}` : '';
    err(
      `note: echo is off in ${store.path} because echoGuard is false there; for calls and commands, ${cause.where} sets ${cause.key} to ${shownRaw(cause)} over it${so}.`,
    );
  }
  out(file.value);
  return CONFIG_EXIT_OK;
}

function set(
  name: string,
  raw: string,
  out: (line: string) => void,
  err: (line: string) => void,
  store: ConfigStore,
): number {
  const { key, value } = store.set(name, raw);
  if (key === 'apiKey') err(API_KEY_WARNING);
  out(`Saved ${key} = ${displayValue(key, value, maskKey)}`);
  return CONFIG_EXIT_OK;
}

/**
 * `config unset`: the file is opened to be written (`open`) only when it holds the key. A key
 * that is no setting but is in the file exactly as written (one a warning names as ignored:
 * `leadMS` beside the setting `leadMs`) is removed too: otherwise that warning, said at every
 * call, could only be silenced by editing the file.
 */
function unset(
  name: string,
  out: (line: string) => void,
  file: ConfigView,
  open: () => ConfigStore,
): number {
  if (!(SETTING_KEYS as readonly string[]).includes(name) && file.keys().includes(name)) {
    open().removeStray(name);
    out(
      `Removed ${JSON.stringify(sanitizeServerText(name, 40))} from ${file.path}: it was not a setting.`,
    );
    return CONFIG_EXIT_OK;
  }
  const key = requireKnown(name);
  if (!file.keys().includes(key)) {
    out(`${key} was not set in ${file.path}: nothing to remove.`);
    return CONFIG_EXIT_OK;
  }
  open().unset(key);
  const fallback = defaultFor(key);
  out(
    fallback === undefined
      ? `Removed ${key}.`
      : `Removed ${key}; it is now the default, ${String(fallback)}.`,
  );
  return CONFIG_EXIT_OK;
}

function requireKnown(name: string): SettingKey {
  const key = findSettingKey(name);
  if (key === undefined) throw new ConfigError(unknownSettingMessage(name));
  return key;
}
