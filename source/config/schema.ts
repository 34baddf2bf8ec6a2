import os from 'node:os';
import path from 'node:path';
import { DEFAULT_API_BASE } from '../api/default-base.js';
import { sanitizeServerText } from '../api/sanitize.js';
import { closestValue, editDistance } from '../api/suggest.js';
import { DEFAULT_LEAD_MS, DEFAULT_SAMPLE_RATE, MIN_LEAD_MS } from '../audio/constants.js';
import { DEFAULT_ECHO_MODE, ECHO_MODES, type EchoMode, parseEchoMode } from '../audio/echo/mode.js';
import {
  parseSinkSpecOrUndefined,
  parseSourceSpec,
  SINK_SPEC_HELP,
  SOURCE_SPEC_HELP,
} from '../audio/specs.js';
import { expandHome } from '../text/home-path.js';

/** Transcript file formats the writers support. */
export type TranscriptFormat = 'md' | 'txt' | 'json' | 'jsonl';
/** Every transcript format, in the order shown to users. */
export const TRANSCRIPT_FORMATS: readonly TranscriptFormat[] = ['md', 'txt', 'json', 'jsonl'];

/** All settings after resolution: every field with a default is filled in. */
export interface Settings {
  /** The Omnia agent to call; no default (the local demo agent needs none). */
  agentId?: string;
  /** Base URL of the Omnia REST API. */
  apiBase: string;
  /** Omnia API key; best kept in the environment or `.env`, never in shell history. */
  apiKey?: string;
  /** Sample rate (Hz) for both directions unless overridden per direction. */
  sampleRate: number;
  /** Rate (Hz) of audio sent to the agent; defaults to `sampleRate`. */
  inputSampleRate: number;
  /** Rate (Hz) of audio received from the agent; defaults to `sampleRate`. */
  outputSampleRate: number;
  /** Audio source: `mic`, `mic:<device>`, `none`, or a WAV file path. */
  input: string;
  /** Audio sink: `speaker`, `speaker:<device>`, `sox`, `none`, or a WAV file path. */
  output: string;
  /** Directory where transcripts are saved. */
  transcriptDir: string;
  /** Format of saved transcripts. */
  transcriptFormat: TranscriptFormat;
  /**
   * Keep the agent's voice out of the mic on open speakers: `cancel` (echo canceller; the guard
   * when speexdsp is missing), `guard` (silence the mic while the agent speaks), `off`.
   */
  echo: EchoMode;
  /** Older switch: `false` means `echo off` when `echo` is not set. */
  echoGuard: boolean;
  /** Milliseconds of audio kept inside the output device ahead of the playback clock. */
  leadMs: number;
  /** Serial port for hardware controls (e.g. /dev/ttyUSB0); unset means none. */
  serialPath?: string;
  /** Baud rate of the serial port. */
  serialBaud: number;
}

/** Name of one setting. */
export type SettingKey = keyof Settings;
/** Any value a setting can hold. */
export type SettingValue = Settings[SettingKey];

/**
 * Outcome of checking one raw value. A refusal may say why in words of its own, when "Allowed:
 * …" would not (`reason`, said after the value), and, for a value saved in the config file as
 * the wrong JSON type, what it means as the right one (`meant`: `"16000"` is 16000).
 */
export type CheckResult =
  | { ok: true; value: SettingValue }
  | { ok: false; reason?: string; meant?: SettingValue };

/** Everything known about one setting: how to parse it, check it, and name it to users. */
export interface SettingSpec {
  key: SettingKey;
  /** Environment variable (also read from `.env`). */
  env: string;
  /** Command-line flag, when the CLI offers one (never for the API key). */
  flag?: string;
  /** One line for docs and `config list`. */
  description: string;
  /** What values are allowed, phrased for an error message ("Allowed: …"). */
  allowed: string;
  /** Hides the value in listings and errors. */
  secret?: boolean;
  /** Parses a string (CLI, env, .env) or checks an already-typed value (flags, config file). */
  check: (raw: unknown) => CheckResult;
  /**
   * The JSON type the config file keeps it as. A saved value must be of it (no `"16000"` for a
   * number, no `"no"` for a boolean) and pass {@link SettingSpec.check}: `checkSaved`.
   */
  saved: 'string' | 'integer' | 'boolean';
  /**
   * For a setting with a fixed set of values (`echo`, `output`'s `speaker`…): the allowed value
   * closest to a refused one, for "Did you mean …?" (`speakers`: `speaker`). Undefined when none
   * is close.
   */
  suggest?: (raw: string) => string | undefined;
}

/** Lowest and highest sample rates the audio pipeline handles. */
export const MIN_SAMPLE_RATE_HZ = 8000;
export const MAX_SAMPLE_RATE_HZ = 48_000;
// The playback pump writes at most once per 20 ms audio tick: a lead shorter than one tick plus
// a 5 ms margin would underrun between writes (MIN_LEAD_MS in source/audio/constants.ts, the
// rule in source/audio/player.ts, pacingFor).
export { MIN_LEAD_MS };
export const MAX_LEAD_MS = 500;
export const MIN_SERIAL_BAUD = 50;
export const MAX_SERIAL_BAUD = 4_000_000;
/** Omnia's API (`https://dashboard.omnia-voice.com` is an alias of the same service). */
export { DEFAULT_API_BASE };
export const DEFAULT_SERIAL_BAUD = 115_200;

const fail: CheckResult = { ok: false };

function integerIn(min: number, max: number): (raw: unknown) => CheckResult {
  return (raw) => {
    let value: number;
    if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)) value = Number(raw.trim());
    else return fail;
    return Number.isInteger(value) && value >= min && value <= max ? { ok: true, value } : fail;
  };
}

// Control characters in a setting would end up in headers, paths or the terminal.
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function text(raw: unknown): CheckResult {
  if (typeof raw !== 'string') return fail;
  const value = raw.trim();
  return value === '' || HAS_CONTROL.test(value) ? fail : { ok: true, value };
}

function token(raw: unknown): CheckResult {
  if (typeof raw !== 'string') return fail;
  const value = raw.trim();
  return /^[\x21-\x7e]+$/.test(value) ? { ok: true, value } : fail;
}

function httpUrl(raw: unknown): CheckResult {
  if (typeof raw !== 'string') return fail;
  const value = raw.trim();
  // Every request puts its own path and query on the base: a query or fragment of the base
  // (`?sig=…`) would be dropped from them, yet shown again in hints that name the base.
  if (/[?#]/.test(value)) return fail;
  const port = portProblem(value);
  if (port) return port;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail;
    return { ok: true, value };
  } catch {
    return fail;
  }
}

/**
 * An http(s) URL whose port no server can have, said so: "Allowed: an http:// or https:// URL"
 * for `http://127.0.0.1:99999` left a new user looking at a URL that is one. Port 0, which URL
 * takes, connects nowhere. Undefined when the port is fine, or absent.
 */
function portProblem(value: string): CheckResult | undefined {
  const authority = /^https?:\/\/([^/]*)/i.exec(value)?.[1];
  if (authority === undefined) return undefined;
  // After a user and password, and an IPv6 address in brackets.
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (port === undefined || port === '') return undefined;
  if (!/^\d+$/.test(port)) {
    return { ok: false, reason: 'has a port that is not a number (a port is 1-65535)' };
  }
  const n = Number(port);
  if (n >= 1 && n <= 65_535) return undefined;
  return { ok: false, reason: `has port ${n}, out of range (a port is 1-65535)` };
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function boolean(raw: unknown): CheckResult {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (typeof raw !== 'string') return fail;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  return fail;
}

function echoMode(raw: unknown): CheckResult {
  const value = parseEchoMode(raw);
  return value === undefined ? fail : { ok: true, value };
}

/** One of the `--input` forms (`../audio/specs.ts`): a typo is refused, not taken for a file. */
function inputSpec(raw: unknown): CheckResult {
  const result = pathText(raw);
  return result.ok && parseSourceSpec(result.value as string) ? result : fail;
}

/** One of the `--output` forms (`../audio/specs.ts`). */
function outputSpec(raw: unknown): CheckResult {
  const result = pathText(raw);
  return result.ok && parseSinkSpecOrUndefined(result.value as string) ? result : fail;
}

function transcriptFormat(raw: unknown): CheckResult {
  if (typeof raw !== 'string') return fail;
  const value = raw.trim().toLowerCase();
  return (TRANSCRIPT_FORMATS as readonly string[]).includes(value)
    ? { ok: true, value: value as TranscriptFormat }
    : fail;
}

/**
 * A path setting (transcriptDir, serialPath), or the path in one (a WAV `input`/`output`): a
 * leading `~` is the home folder whatever the value came from, as the path flags take it.
 */
function pathText(raw: unknown): CheckResult {
  const result = text(raw);
  return result.ok ? { ok: true, value: expandHome(result.value as string) } : result;
}

const rateAllowed = `an integer from ${MIN_SAMPLE_RATE_HZ} to ${MAX_SAMPLE_RATE_HZ}`;

/**
 * A value as the config file holds it: of the JSON type the setting is saved as, and valid.
 * The one rule for the file, whoever reads it (a call, `config list`, `config get`).
 */
export function checkSaved(spec: SettingSpec, raw: unknown): CheckResult {
  const type = spec.saved === 'integer' ? 'number' : spec.saved;
  if (typeof raw === type) return spec.check(raw);
  return wrongJsonType(spec, raw) ?? fail;
}

/** How the config file writes a value of each saved type, for a refusal that shows it. */
const SAVED_AS: Record<SettingSpec['saved'], string> = {
  integer: 'a number',
  boolean: 'true or false',
  string: 'text',
};

/**
 * A saved value of the wrong JSON type, said as what it is and what to write instead: "Allowed:
 * an integer from 8000 to 48000" for `"16000"` read as if 16000 were out of range. A quoted
 * number or boolean (`"16000"`, `"true"`, `"no"`, `"fast"`), and a number that would be right as
 * a boolean or text (`1`, `123`), which is then `meant`. Undefined for anything else (and for the
 * key, never shown).
 */
function wrongJsonType(spec: SettingSpec, raw: unknown): CheckResult | undefined {
  if (spec.secret) return undefined;
  const quoted = typeof raw === 'string' && spec.saved !== 'string';
  const number = typeof raw === 'number' && spec.saved !== 'integer';
  if (!quoted && !number) return undefined;
  const checked = spec.check(String(raw));
  const what = `${quoted ? 'is text (in quotes)' : 'is a number'}, but ${spec.key} is ${SAVED_AS[spec.saved]}`;
  const how = spec.saved === 'string' ? 'in quotes' : 'without quotes';
  if (!checked.ok) {
    if (!quoted) return undefined;
    // Not a value unquoted either: what is, in the file's form (no yes/no there).
    const allowed = spec.saved === 'boolean' ? 'true or false' : spec.allowed;
    return { ok: false, reason: `${what}: write ${allowed}, ${how}` };
  }
  const json = `${JSON.stringify(spec.key)}: ${JSON.stringify(checked.value)}`;
  return { ok: false, reason: `${what}: write ${json}, ${how}`, meant: checked.value };
}

/** Every setting, in the order users see them. */
export const SETTING_SPECS: readonly SettingSpec[] = [
  {
    key: 'agentId',
    env: 'OMNIA_AGENT_ID',
    flag: '--agent',
    description: 'the Omnia agent to call',
    allowed: 'a non-empty agent id',
    check: text,
    saved: 'string',
  },
  {
    key: 'apiBase',
    env: 'OMNIA_API_BASE',
    flag: '--api-base',
    description: 'base URL of the Omnia REST API',
    allowed:
      'an http:// or https:// URL with no query or fragment (omnia-voice adds its own path and query to it; a "?…" would be dropped)',
    check: httpUrl,
    saved: 'string',
  },
  {
    key: 'apiKey',
    env: 'OMNIA_API_KEY',
    description: 'Omnia API key (prefer the environment or .env)',
    allowed: 'a key of visible characters without spaces',
    secret: true,
    check: token,
    saved: 'string',
  },
  {
    key: 'sampleRate',
    env: 'OMNIA_SAMPLE_RATE',
    flag: '--sample-rate',
    description: 'sample rate in Hz for both directions',
    allowed: rateAllowed,
    check: integerIn(MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ),
    saved: 'integer',
  },
  {
    key: 'inputSampleRate',
    env: 'OMNIA_INPUT_SAMPLE_RATE',
    flag: '--input-rate',
    description: 'sample rate in Hz of audio sent to the agent (default: sampleRate)',
    allowed: rateAllowed,
    check: integerIn(MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ),
    saved: 'integer',
  },
  {
    key: 'outputSampleRate',
    env: 'OMNIA_OUTPUT_SAMPLE_RATE',
    flag: '--output-rate',
    description: 'sample rate in Hz of audio from the agent (default: sampleRate)',
    allowed: rateAllowed,
    check: integerIn(MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ),
    saved: 'integer',
  },
  {
    key: 'input',
    env: 'OMNIA_INPUT',
    flag: '--input',
    description: 'audio source: mic, mic:<device>, none, or a WAV file',
    allowed: SOURCE_SPEC_HELP,
    check: inputSpec,
    saved: 'string',
    suggest: closestValue(
      [
        ['mic', 'microphone'],
        ['none', 'silence'],
      ],
      ['mic'],
    ),
  },
  {
    key: 'output',
    env: 'OMNIA_OUTPUT',
    flag: '--output',
    description: 'audio sink: speaker, speaker:<device>, sox, none, or a WAV file',
    allowed: SINK_SPEC_HELP,
    check: outputSpec,
    saved: 'string',
    suggest: closestValue([['speaker', 'speakers'], ['sox'], ['none']], ['speaker', 'sox']),
  },
  {
    key: 'transcriptDir',
    env: 'OMNIA_TRANSCRIPT_DIR',
    description: 'directory for saved transcripts',
    allowed: 'a directory path',
    check: pathText,
    saved: 'string',
  },
  {
    key: 'transcriptFormat',
    env: 'OMNIA_TRANSCRIPT_FORMAT',
    description: 'format of saved transcripts',
    allowed: TRANSCRIPT_FORMATS.join(', '),
    check: transcriptFormat,
    saved: 'string',
    suggest: closestValue([['md', 'markdown'], ['txt', 'text'], ['json'], ['jsonl', 'ndjson']]),
  },
  {
    key: 'echo',
    env: 'OMNIA_ECHO',
    flag: '--echo',
    description: 'keep the agent out of the mic: cancel (echo canceller), guard, or off',
    allowed: ECHO_MODES.join(', '),
    check: echoMode,
    saved: 'string',
    suggest: closestValue(ECHO_MODES.map((mode) => [mode] as const)),
  },
  {
    key: 'echoGuard',
    env: 'OMNIA_ECHO_GUARD',
    flag: '--no-echo-guard',
    description: 'older switch: false is echo off (when echo is not set)',
    allowed: 'true or false (also yes/no, on/off, 1/0)',
    check: boolean,
    saved: 'boolean',
    suggest: closestValue([
      ['true', 'yes', 'on'],
      ['false', 'no', 'off'],
    ]),
  },
  {
    key: 'leadMs',
    env: 'OMNIA_LEAD_MS',
    flag: '--lead-ms',
    description: 'milliseconds of audio kept in the output device',
    allowed: `an integer from ${MIN_LEAD_MS} to ${MAX_LEAD_MS}`,
    check: integerIn(MIN_LEAD_MS, MAX_LEAD_MS),
    saved: 'integer',
  },
  {
    key: 'serialPath',
    env: 'OMNIA_SERIAL',
    flag: '--serial',
    description: 'serial port for hardware controls',
    allowed: 'a serial device path, e.g. /dev/ttyUSB0',
    check: pathText,
    saved: 'string',
  },
  {
    key: 'serialBaud',
    env: 'OMNIA_SERIAL_BAUD',
    flag: '--serial-baud',
    description: 'baud rate of the serial port',
    allowed: `an integer from ${MIN_SERIAL_BAUD} to ${MAX_SERIAL_BAUD}`,
    check: integerIn(MIN_SERIAL_BAUD, MAX_SERIAL_BAUD),
    saved: 'integer',
  },
];

/** Every setting name, in display order. */
export const SETTING_KEYS: readonly SettingKey[] = SETTING_SPECS.map((spec) => spec.key);

const SPEC_BY_KEY = new Map(SETTING_SPECS.map((spec) => [spec.key, spec]));
const NORMALISED = new Map(SETTING_SPECS.map((spec) => [normaliseName(spec.key), spec.key]));

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** The spec of a known setting. */
export function specFor(key: SettingKey): SettingSpec {
  return SPEC_BY_KEY.get(key)!;
}

/**
 * The setting a user meant: exact names, any case, and kebab/snake spellings
 * (`sample-rate`, `sample_rate`) all work. Undefined for unknown names.
 */
export function findSettingKey(name: string): SettingKey | undefined {
  return NORMALISED.get(normaliseName(name.trim()));
}

/** How many typos a misspelled setting name may hold to be named as the one meant. */
const MAX_NAME_TYPOS = 2;

/**
 * The one rule for "did you mean" of a misspelled setting name, a variable's
 * (`OMNIA_AGENTID`: OMNIA_AGENT_ID) or a config key's (`sampleRat`: sampleRate): the `known`
 * name nearest to `typed`, at most two typos away once both are made `alike` (variables in upper
 * case, keys as {@link findSettingKey} reads them); the first in order among equally near ones.
 * Undefined when none is that near.
 */
export function nearestName(
  typed: string,
  known: readonly string[],
  alike: (name: string) => string = (name) => name,
): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(alike(typed), alike(name));
    if (distance <= MAX_NAME_TYPOS && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/**
 * The setting a name that is none was probably meant to be: one spelled another way
 * (`leadMS`, `sample_rate`), else one a typo or two away (`sampleRat`, `outptu`), else the one
 * setting holding all its words (`inputRate`: inputSampleRate).
 */
export function meantSettingKey(name: string): SettingKey | undefined {
  const near =
    findSettingKey(name) ??
    (nearestName(name, SETTING_KEYS, (key) => normaliseName(key.trim())) as SettingKey | undefined);
  if (near !== undefined) return near;
  const holding = namesWithWords(name, SETTING_KEYS);
  return holding.length === 1 ? holding[0] : undefined;
}

/** How many settings holding a name's words are named as what it may have meant. */
const MAX_WORD_GUESSES = 3;

/**
 * The `known` names that hold every word of `typed` (`inputRate`, `input-rate`: input and rate,
 * in inputSampleRate; `OMNIA_INPUT_RATE` in OMNIA_INPUT_SAMPLE_RATE), in their order; a word is
 * a run of letters or digits, split at a capital too. None for a name of no words, or of one word
 * under three letters. `omit`: words every known name has (`omnia` of the variables).
 */
export function namesWithWords<T extends string>(
  typed: string,
  known: readonly T[],
  omit: readonly string[] = [],
): T[] {
  const words = (typed.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g) ?? [])
    .map((w) => w.toLowerCase())
    .filter((w) => !omit.includes(w));
  if (words.length === 0 || (words.length === 1 && words[0]!.length < 3)) return [];
  return known.filter((name) => {
    const plain = name.toLowerCase();
    return words.every((word) => plain.includes(word));
  });
}

/**
 * `Unknown setting "sampleRat". Did you mean sampleRate? Known settings: …`, for `config get`,
 * `set` and `unset` given a name that is no setting. A name whose words a few settings hold
 * names them all (`rate`: `Did you mean sampleRate, inputSampleRate or outputSampleRate?`).
 */
export function unknownSettingMessage(name: string): string {
  const shown = JSON.stringify(sanitizeServerText(name, 40));
  const guess = meantSettingKey(name);
  const holding = namesWithWords(name, SETTING_KEYS);
  const guesses = guess !== undefined ? [guess] : holding.length <= MAX_WORD_GUESSES ? holding : [];
  const meant =
    guesses.length === 0
      ? ''
      : ` Did you mean ${guesses.length === 1 ? guesses[0] : `${guesses.slice(0, -1).join(', ')} or ${guesses.at(-1)}`}?`;
  return `Unknown setting ${shown}.${meant} Known settings: ${SETTING_KEYS.join(', ')}.`;
}

/**
 * Keys of a config file that are no setting, one line each: a hand-edited `"leadMS"` or
 * `"sampleRat"` would otherwise be ignored without a word while its default applies.
 */
export function unknownKeyWarnings(keys: readonly string[], file: string): string[] {
  return keys
    .filter((key) => !(SETTING_KEYS as readonly string[]).includes(key))
    .map((key) => {
      const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
      const guess = meantSettingKey(key);
      // The way out, where the key can be typed as it is (no quoting for a shell to get wrong).
      const remove = /^\w[\w.-]{0,39}$/.test(key)
        ? ` Remove it with: omnia-voice config unset ${key}`
        : '';
      return `Ignoring ${shown} in ${file}: not a setting${guess ? ` (did you mean ${guess}?)` : ''}.${remove}`;
    });
}

/** Where per-user data lives on this platform (XDG on Linux, as env-paths does). */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const name = 'omnia-voice';
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', name);
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.join(home, 'AppData', 'Local');
    return path.join(local, name, 'Data');
  }
  const xdg = env.XDG_DATA_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'), name);
}

/** Where per-user config lives on this platform (same places env-paths, and so conf, uses). */
export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const name = 'omnia-voice';
  if (platform === 'darwin') return path.join(home, 'Library', 'Preferences', name);
  if (platform === 'win32') {
    const roaming = env.APPDATA || path.join(home, 'AppData', 'Roaming');
    return path.join(roaming, name, 'Config');
  }
  const xdg = env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config'), name);
}

/** Default transcript directory: `<data dir>/transcripts`. */
export function defaultTranscriptDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultDataDir(env), 'transcripts');
}

/** Defaults for every setting that has one (the per-direction rates follow `sampleRate`). */
export function defaultSettings(
  env: NodeJS.ProcessEnv = process.env,
): Omit<Settings, 'inputSampleRate' | 'outputSampleRate' | 'agentId' | 'apiKey' | 'serialPath'> {
  return {
    apiBase: DEFAULT_API_BASE,
    sampleRate: DEFAULT_SAMPLE_RATE,
    input: 'mic',
    output: 'speaker',
    transcriptDir: defaultTranscriptDir(env),
    transcriptFormat: 'md',
    echo: DEFAULT_ECHO_MODE,
    echoGuard: true,
    leadMs: DEFAULT_LEAD_MS,
    serialBaud: DEFAULT_SERIAL_BAUD,
  };
}

/** How a value looks to a user: secrets masked, everything else as typed. */
export function displayValue(key: SettingKey, value: SettingValue, mask: (s: string) => string) {
  if (value === undefined) return '';
  if (specFor(key).secret && typeof value === 'string') return mask(value);
  return String(value);
}
