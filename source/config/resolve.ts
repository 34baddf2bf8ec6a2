import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readErrorReason } from '../text/file-errors.js';
import { ConfigError, ConfigFileError, invalidValueMessage } from './errors.js';
import type { ConfigReader } from './read.js';
import {
  defaultSettings,
  namesWithWords,
  nearestName,
  SETTING_SPECS,
  type SettingKey,
  type SettingSpec,
  type Settings,
  type SettingValue,
  unknownKeyWarnings,
} from './schema.js';

/** Where a resolved value came from, highest precedence first. */
export type SettingSource = 'flag' | 'env' | 'dotenv' | 'config' | 'default';

/** Everything resolution reads; nothing else (process.env is never read or changed implicitly). */
export interface ResolveInput {
  /**
   * Values from command-line flags; undefined entries mean "not given". A number setting's flag
   * comes as typed (a string), checked here as its variable is, so both say it the same way.
   */
  flags: { [K in keyof Settings]?: Settings[K] | string };
  /** Usually process.env. */
  env: NodeJS.ProcessEnv;
  /** Directory whose `.env` file is read. */
  cwd: string;
  /** The user's config file, if any. */
  config?: ConfigReader;
  /**
   * The run uses no API key (`--local`): no advice about where the key is kept, which would
   * only be noise before every local call.
   */
  keyUnused?: boolean;
}

/** The settings to run with, where each came from, and advice worth showing. */
export interface ResolvedSettings {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  /**
   * Where each value not a default came from, as errors name it: `--echo`, `OMNIA_ECHO in the
   * environment`, `OMNIA_ECHO in /path/.env`, `echo in /path/config.json`.
   */
  from: Partial<Record<SettingKey, string>>;
  /** One line each, safe to print (no secrets). */
  warnings: string[];
}

interface Layer {
  source: Exclude<SettingSource, 'default'>;
  value: (spec: SettingSpec) => unknown;
  label: (spec: SettingSpec) => string;
}

/**
 * Merges flags > environment > `.env` in cwd > config file > defaults and validates every
 * value. Throws {@link ConfigError} listing each invalid value with the variable, flag or
 * file it came from.
 */
export function resolveSettings(input: ResolveInput): ResolvedSettings {
  const warnings: string[] = [];
  const dotenvPath = path.join(input.cwd, '.env');
  const dotenv = readDotenv(dotenvPath, warnings);
  // Before any value is checked: a refused value stops the run, and the misspelled name beside
  // it may be why (`OMNIA_AGENTID` set, `OMNIA_LEAD_MS=lots` refused).
  warnings.push(...misspelledVariables(input.env, 'the environment'));
  warnings.push(...misspelledVariables(dotenv, dotenvPath));
  const configPath = input.config?.path ?? 'the config file';
  // The file's keys that are no setting likewise (`"sampleRat"` beside a refused `"leadMs"`).
  if (input.config) warnings.push(...unknownKeyWarnings(input.config.keys(), configPath));
  const saved = savedValues(input.config, warnings);

  const layers: Layer[] = [
    {
      source: 'flag',
      value: (spec) => input.flags[spec.key],
      label: (spec) => spec.flag ?? spec.key,
    },
    {
      source: 'env',
      value: (spec) => input.env[spec.env],
      label: (spec) => `${spec.env} in the environment`,
    },
    {
      source: 'dotenv',
      value: (spec) => dotenv[spec.env],
      label: (spec) => `${spec.env} in ${dotenvPath}`,
    },
    {
      source: 'config',
      value: (spec) => saved[spec.key],
      label: (spec) => `${spec.key} in ${configPath}`,
    },
  ];

  const found: Partial<Record<SettingKey, SettingValue>> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  const from: Partial<Record<SettingKey, string>> = {};
  const problems: string[] = [];
  for (const spec of SETTING_SPECS) {
    sources[spec.key] = 'default';
    for (const layer of layers) {
      const raw = layer.value(spec);
      if (raw === undefined || raw === null || raw === '') continue;
      const result = spec.check(raw);
      if (result.ok) {
        found[spec.key] = result.value;
        sources[spec.key] = layer.source;
        from[spec.key] = layer.label(spec);
      } else {
        problems.push(invalidValueMessage(layer.label(spec), raw, spec, result.reason));
      }
      break;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), warnings);

  // A per-direction rate refines sampleRate only where it is given in the same or a higher
  // place: `--sample-rate 16000` changes both directions over a saved inputSampleRate, as a
  // flag beats the config file; `--input-rate` still beats `--sample-rate`.
  for (const key of ['inputSampleRate', 'outputSampleRate'] as const) {
    if (found[key] !== undefined && outranks(sources.sampleRate, sources[key])) {
      delete found[key];
      delete from[key];
      sources[key] = 'default';
    }
  }
  // The older echoGuard switch: false turns echo off, unless echo is set in the same or a
  // higher place (`OMNIA_ECHO_GUARD=false` over a saved `echo guard`; true changes nothing).
  if (echoGuardTurnsEchoOff(found.echoGuard, sources.echoGuard, sources.echo)) {
    found.echo = 'off';
    sources.echo = sources.echoGuard;
    from.echo = from.echoGuard;
  }

  const defaults = defaultSettings(input.env);
  const merged = { ...defaults, ...found } as Omit<
    Settings,
    'inputSampleRate' | 'outputSampleRate'
  >;
  const settings: Settings = {
    ...merged,
    inputSampleRate: (found.inputSampleRate as number | undefined) ?? merged.sampleRate,
    outputSampleRate: (found.outputSampleRate as number | undefined) ?? merged.sampleRate,
  };
  // A per-direction rate that follows sampleRate came from wherever sampleRate did.
  for (const key of ['inputSampleRate', 'outputSampleRate'] as const) {
    if (found[key] !== undefined) continue;
    sources[key] = sources.sampleRate;
    if (from.sampleRate !== undefined) from[key] = from.sampleRate;
  }

  if (sources.apiKey === 'config' && !input.keyUnused) {
    warnings.push(
      `The API key is read from the config file ${configPath}; OMNIA_API_KEY in the environment or a .env file is safer.`,
    );
    // Written 0600, but a hand-made or copied file may not be: said as for .env.
    if (input.config) warnAboutReadableKeyFile(configPath, 'the API key', warnings);
  }
  if (sources.apiKey === 'dotenv' && !input.keyUnused)
    warnAboutReadableKeyFile(dotenvPath, 'OMNIA_API_KEY', warnings);
  return { settings, sources, from, warnings };
}

/**
 * The config file's values; a bad one stops the run with what was noticed before it (a
 * misspelled variable or key may be why), said first.
 */
function savedValues(config: ConfigReader | undefined, warnings: string[]): Partial<Settings> {
  try {
    return config?.values() ?? {};
  } catch (error) {
    if (error instanceof ConfigFileError && warnings.length > 0) {
      throw new ConfigFileError(error.message, [...error.warnings, ...warnings]);
    }
    throw error;
  }
}

/** Precedence of the places, highest first. */
const SOURCE_ORDER: readonly SettingSource[] = ['flag', 'env', 'dotenv', 'config', 'default'];

/** Whether a value from `a` beats one from `b` (a strictly higher place). */
export function outranks(a: SettingSource, b: SettingSource): boolean {
  return SOURCE_ORDER.indexOf(a) < SOURCE_ORDER.indexOf(b);
}

/**
 * The older echoGuard switch's rule, for a call and for `config get`/`list` alike: false turns
 * echo off unless echo is set in the same or a higher place; true changes nothing.
 */
export function echoGuardTurnsEchoOff(
  echoGuard: SettingValue,
  echoGuardSource: SettingSource,
  echoSource: SettingSource,
): boolean {
  return echoGuard === false && outranks(echoGuardSource, echoSource);
}

/** Parses `.env` without touching process.env; a missing file is simply no values. */
function readDotenv(filePath: string, warnings: string[]): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // In words, as the config file's are (`it is a directory`), never a bare code.
    if (code !== 'ENOENT') {
      const reason = readErrorReason(error);
      const said = reason === code ? '' : `: ${reason}`;
      warnings.push(`Ignoring ${filePath}: cannot read it${said} (${String(code)}).`);
    }
    return {};
  }
  const values = parseDotenv(text);
  warnings.push(...dotenvLineWarnings(text, filePath));
  return values;
}

/** A line dotenv reads as an assignment: `NAME=value`, `NAME = value`, `NAME: value`, `export …`. */
const DOTENV_ASSIGNMENT = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*|:\s+)(.*)$/;

/**
 * What dotenv passes over in silence, for the lines that concern omnia-voice (naming an
 * `OMNIA_` variable: a `.env` shared with other tools is theirs to check): a line that is no
 * assignment (`OMNIA_AGENT_ID concierge`) is dropped; a quoted value whose quote never closes
 * (`OMNIA_AGENT_ID="concierge`), or has more after its closing quote (`"a" b`), is taken as
 * written, quotes and all. A quoted value may span lines, as dotenv reads it.
 */
export function dotenvLineWarnings(text: string, filePath: string): string[] {
  const warnings: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const assignment = DOTENV_ASSIGNMENT.exec(line);
    if (!assignment) {
      if (line.includes('OMNIA_')) {
        warnings.push(`Ignoring line ${i + 1} of ${filePath}: it is not NAME=value.`);
      }
      continue;
    }
    const [, name = '', value = ''] = assignment;
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') continue;
    const close = closingQuote(lines, i, value.slice(1), quote);
    const ends = close !== undefined && /^\s*(#.*)?$/.test(close.after);
    // A quote closed on a later line with more after it: dotenv takes this line as written.
    if (close === undefined || (!ends && close.line > i)) {
      if (name.startsWith('OMNIA_')) {
        warnings.push(
          `${name} in ${filePath} opens a quote it never closes: its value is taken as written, with the quote.`,
        );
      }
      continue;
    }
    if (!ends) {
      if (name.startsWith('OMNIA_')) {
        warnings.push(
          `${name} in ${filePath} has more after its closing quote: its value is taken as written, quotes and all.`,
        );
      }
      continue;
    }
    i = close.line;
  }
  return warnings;
}

/** Where the quote opened on line `from` closes (not after a backslash), and what follows it. */
function closingQuote(
  lines: readonly string[],
  from: number,
  rest: string,
  quote: string,
): { line: number; after: string } | undefined {
  let text = rest;
  for (let j = from; j < lines.length; j++) {
    if (j > from) text = lines[j] ?? '';
    for (let k = 0; k < text.length; k++) {
      if (text[k] === '\\') k++;
      else if (text[k] === quote) return { line: j, after: text.slice(k + 1) };
    }
  }
  return undefined;
}

/** A setting that the environment or `.env` gives, over what the config file saves. */
export interface SettingOverride {
  readonly key: SettingKey;
  /** The environment or `.env`. */
  readonly source: 'env' | 'dotenv';
  /** `OMNIA_SAMPLE_RATE in the environment`, `OMNIA_AGENT_ID in /path/.env`. */
  readonly where: string;
  readonly raw: string;
  /**
   * The value is not one the setting takes: what a call says of it (`Invalid value for
   * OMNIA_LEAD_MS in /path/.env: "lots". Allowed: …`), which refuses it.
   */
  readonly invalid?: string;
}

/**
 * The settings the environment or `.env` in `cwd` set (non-empty), which win over the config
 * file: `config get` and `config list` show the saved values and say which are overridden, or
 * which are invalid, as a call would say it. Misspelled variables are warned about as a call does.
 */
export function settingOverrides(
  env: NodeJS.ProcessEnv,
  cwd: string,
  /** What is wrong with `.env` (lines dotenv drops) goes here. */
  warnings: string[] = [],
): SettingOverride[] {
  const dotenvPath = path.join(cwd, '.env');
  const dotenv = readDotenv(dotenvPath, warnings);
  warnings.push(...misspelledVariables(env, 'the environment'));
  warnings.push(...misspelledVariables(dotenv, dotenvPath));
  const out: SettingOverride[] = [];
  const override = (spec: SettingSpec, source: 'env' | 'dotenv', raw: string) => {
    const where = `${spec.env} in ${source === 'env' ? 'the environment' : dotenvPath}`;
    // The check a call makes (resolveSettings), so both say the same of the value.
    const checked = spec.check(raw);
    const invalid = checked.ok ? undefined : invalidValueMessage(where, raw, spec, checked.reason);
    out.push({ key: spec.key, source, where, raw, ...(invalid ? { invalid } : {}) });
  };
  for (const spec of SETTING_SPECS) {
    const fromEnv = env[spec.env];
    const fromFile = dotenv[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') override(spec, 'env', fromEnv);
    else if (fromFile !== undefined && fromFile !== '') override(spec, 'dotenv', fromFile);
  }
  return out;
}

/** A file the key was read from that other users can read: `chmod 600` it. */
function warnAboutReadableKeyFile(filePath: string, what: string, warnings: string[]): void {
  if (process.platform === 'win32') return;
  try {
    const OTHERS_READ = 0o044;
    if ((fs.statSync(filePath).mode & OTHERS_READ) !== 0) {
      warnings.push(
        `${filePath} holds ${what} and other users can read it: run chmod 600 ${filePath}.`,
      );
    }
  } catch {
    // It was readable a moment ago; a race here is not worth a warning.
  }
}

const KNOWN_VARIABLES = SETTING_SPECS.map((spec) => spec.env);

/**
 * Near-misses of our variable names (OMNIA_AGENTID, OMNIA_APIKEY): a silent typo wastes time.
 * By the rules a config key's are found (`nearestName`, then the one variable holding all its
 * words: OMNIA_INPUT_RATE, OMNIA_INPUT_SAMPLE_RATE).
 */
function misspelledVariables(vars: Record<string, string | undefined>, where: string): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(vars)) {
    if (!name.startsWith('OMNIA_') || KNOWN_VARIABLES.includes(name)) continue;
    const holding = namesWithWords(name, KNOWN_VARIABLES, ['omnia']);
    const guess =
      nearestName(name, KNOWN_VARIABLES, (known) => known.toUpperCase()) ??
      (holding.length === 1 ? holding[0] : undefined);
    if (guess !== undefined) {
      warnings.push(`Ignoring ${name} in ${where}: did you mean ${guess}?`);
    }
  }
  return warnings;
}
