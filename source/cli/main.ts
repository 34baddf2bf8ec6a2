import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { commandFor, flagTarget } from '../api/command-hint.js';
import { closestValue } from '../api/suggest.js';
import {
  addSecret,
  guardOutput,
  installProcessHandlers,
  onStop,
  outputClosed,
  runCleanup,
} from '../app/lifecycle.js';
import type { Settings } from '../config/schema.js';
import { expandHome } from '../text/home-path.js';

/**
 * Entry point: parses arguments, resolves settings (flags > env > .env > config > defaults) and
 * picks what to run: a call (full-screen UI or plain output), the local agent server, or one of
 * the helper commands. Heavy modules (Ink, React, audio) are imported only when needed so a
 * call connects quickly.
 */

const EXIT_USAGE = 2;
/** The models of `--model` (source/api/inline-call.ts, INLINE_MODELS; kept here so a call does not load it). */
const INLINE_MODEL_CHOICES = ['llama', 'gemma', 'glm'];
// The key from the environment is known before anything can fail; one from .env or the config
// file is added once settings are resolved.
addSecret(process.env.OMNIA_API_KEY);
// Whatever prints (our lines, Ink, a crash handler, a library), the key never reaches a terminal
// or a log file.
guardOutput(process.stdout);
guardOutput(process.stderr);
// `omnia-voice agents | head`: a reader that stops reading is not an error of ours. During a
// call it ends the call as a stop does (hung up, files written), not the process at once.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE' && !outputClosed()) process.exit(process.exitCode ?? 0);
});
// stderr closed too (`omnia-voice --plain 2>&1 | head -1`): what was left to say has nowhere to
// go, and is no error of the app's. Unhandled, its EPIPE was a fatal error, whose line to stderr
// failed again, thousands of times, until the cleanup's watchdog ended the process with 1.
process.stderr.on('error', () => undefined);

/** The project's version, from the package.json above this file (the source tree or the bundle). */
function version(): string {
  let dir = new URL('.', import.meta.url);
  for (let depth = 0; depth < 5; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
      if (pkg.name === 'omnia-voice') return String(pkg.version);
    } catch {
      // No package.json here: look further up.
    }
    dir = new URL('..', dir);
  }
  return '0.0.0';
}

/**
 * A flag's value it does not take, said as a setting's bad value is said (`Invalid value for
 * --echo: "loud". Allowed: …`), whichever parses it: exit 2.
 */
function invalidFlag(flag: string, value: string, allowed: string, guess?: string): Error {
  const shown = value.length > 60 ? `${value.slice(0, 59)}…` : value;
  const meant = guess === undefined ? '' : ` Did you mean ${guess}?`;
  return new UsageError(
    `Invalid value for ${flag}: ${JSON.stringify(shown)}.${meant} Allowed: ${allowed}.`,
  );
}

/** A parser for a flag taking a number: `check` says whether it is one the flag takes. */
function numberFlag(
  flag: string,
  allowed: string,
  check: (n: number) => boolean,
): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
      throw invalidFlag(flag, value, allowed);
    }
    return n;
  };
}

/** The longest `--duration`: a day (Node's timers end at 24.8 days, and fire at once beyond). */
const MAX_DURATION_S = 86_400;

const numberIn = (flag: string, min: number, max: number, what: string) =>
  numberFlag(flag, `${what} from ${min} to ${max}`, (n) => n >= min && n <= max);

const positiveInteger = (flag: string) =>
  numberFlag(flag, 'a whole number above 0', (n) => Number.isInteger(n) && n > 0);

const port = (flag: string) =>
  numberFlag(
    flag,
    'a port number from 0 to 65535 (0 for any free one)',
    (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
  );

/**
 * A path flag's `~` as the shell would have expanded it: it does not after `=`
 * (`--transcript=~/calls/a.md`), and a folder named `~` was made in the working directory.
 * The same expansion as every path setting's from the environment, `.env` or config file.
 */
function homePath(value: string): string {
  return expandHome(value);
}

/** `a, b or c`. */
function orList(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/**
 * A parser for a flag taking one of `choices`, in any case (`--format TXT` is `txt`, as the
 * settings take `OMNIA_TRANSCRIPT_FORMAT=TXT`): the choice as spelled in `choices`.
 */
function oneOf(flag: string, choices: readonly string[]): (value: string) => string {
  return (value) => {
    const wanted = value.trim().toLowerCase();
    const choice = choices.find((c) => c.toLowerCase() === wanted);
    if (choice === undefined) {
      const guess = closestValue(choices.map((c) => [c] as const))(value);
      throw invalidFlag(flag, value, orList(choices), guess);
    }
    return choice;
  };
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The width a list command fits its table to: the terminal's; none for a pipe or a file. */
async function tableWidth(): Promise<number | undefined> {
  const { terminalWidth } = await import('./commands/table.js');
  return terminalWidth();
}

/**
 * Where a command's JSON text goes: stdout, with what a terminal would act on that
 * JSON.stringify leaves (C1 controls, bidi overrides) escaped as `\uXXXX`, so the data stays
 * whole and the screen safe.
 */
async function jsonOut(): Promise<(line: string) => void> {
  const { escapeJsonText } = await import('../api/sanitize.js');
  return (line) => out(escapeJsonText(line));
}

interface CallFlags {
  agent?: string;
  apiBase?: string;
  local?: boolean;
  plain?: boolean;
  verbose?: boolean;
  duration?: number;
  transcript?: string;
  saveTranscripts?: boolean;
  input?: string;
  output?: string;
  sampleRate?: string;
  inputRate?: string;
  outputRate?: string;
  leadMs?: string;
  echo?: string;
  echoGuard?: boolean;
  ptt?: boolean;
  record?: string;
  serial?: string;
  serialBaud?: string;
  prompt?: string;
  voice?: string;
  language?: string;
  model?: 'llama' | 'gemma' | 'glm';
  greeting?: string;
  firstSpeaker?: 'agent' | 'user';
  temperature?: number;
  maxDuration?: number;
  tools?: string;
  callRecord?: boolean;
}

/** A flag combination that cannot work: one line, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const PROMPT_ONLY_FLAGS = [
  ['voice', '--voice'],
  ['language', '--language'],
  ['model', '--model'],
  ['greeting', '--greeting'],
  ['firstSpeaker', '--first-speaker'],
  ['temperature', '--temperature'],
  ['maxDuration', '--max-duration'],
] as const;

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `--prompt` and the settings of the inline call, checked together. */
function promptFlags(flags: CallFlags) {
  if (flags.prompt === undefined) {
    const stray = PROMPT_ONLY_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, f]) => f);
    if (stray.length > 0) {
      throw new UsageError(`${listed(stray)} ${stray.length === 1 ? 'goes' : 'go'} with --prompt.`);
    }
    return undefined;
  }
  if (flags.agent !== undefined) {
    throw new UsageError(
      '--agent and --prompt do not go together: call an agent, or try a prompt.',
    );
  }
  if (!flags.voice?.trim() || !flags.language?.trim()) {
    const empty = (['voice', 'language'] as const).filter((k) => flags[k]?.trim() === '');
    // Said before the settings are read: the commands name the flags given (a base from the
    // environment or the config file they read again themselves).
    const target = flagTarget(flags);
    const lists = `${commandFor(target, 'voices')} and ${commandFor(target, 'languages')} list them`;
    throw new UsageError(
      empty.length > 0
        ? `${listed(empty.map((k) => `--${k}`))} ${empty.length === 1 ? 'is' : 'are'} empty: a --prompt call needs a voice and a language (${lists}).`
        : `--prompt needs --voice and --language (${lists}).`,
    );
  }
  // The greeting is what the agent says first: with the caller first it was never said.
  if (flags.greeting?.trim() && flags.firstSpeaker === 'user') {
    throw new UsageError(
      '--greeting and --first-speaker user do not go together: the greeting is what the agent says when it speaks first. Give one of them.',
    );
  }
  // An empty greeting used to be left out without a word: the agent then greeted all the same.
  if (flags.greeting !== undefined && flags.greeting.trim() === '') {
    throw new UsageError(
      flags.firstSpeaker === 'user'
        ? '--greeting is empty: leave it out (with --first-speaker user the agent greets no one first).'
        : '--greeting is empty: leave it out for the agent to greet as it chooses, or give --first-speaker user to speak first.',
    );
  }
  const settings = {
    voice: flags.voice,
    language: flags.language,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.greeting ? { greeting: flags.greeting } : {}),
    ...(flags.firstSpeaker ? { firstSpeaker: flags.firstSpeaker } : {}),
    ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
    ...(flags.maxDuration === undefined ? {} : { maxDuration: flags.maxDuration }),
  };
  return { value: flags.prompt, settings };
}

async function runCallCommand(flags: CallFlags): Promise<number> {
  const prompt = promptFlags(flags);
  const { resolveSettings } = await import('../config/resolve.js');
  // A call only reads settings: the reader skips conf's load cost (see docs/performance.md).
  const { readConfig } = await import('../config/read.js');
  if (flags.echo !== undefined && flags.echoGuard === false) {
    throw usageError('--no-echo-guard is the same as --echo off: give only one of them');
  }
  const { settings, sources, from, warnings } = resolveSettings({
    flags: {
      agentId: flags.agent,
      apiBase: flags.apiBase,
      input: flags.input,
      output: flags.output,
      sampleRate: flags.sampleRate,
      inputSampleRate: flags.inputRate,
      outputSampleRate: flags.outputRate,
      leadMs: flags.leadMs,
      // --no-echo-guard stays an alias of --echo off.
      echo: (flags.echo ?? (flags.echoGuard === false ? 'off' : undefined)) as Settings['echo'],
      serialPath: flags.serial,
      serialBaud: flags.serialBaud,
    },
    env: process.env,
    cwd: process.cwd(),
    config: readConfig(),
    keyUnused: Boolean(flags.local),
  });
  addSecret(settings.apiKey);
  for (const warning of warnings) err(`warning: ${warning}`);
  // TERM=dumb (Emacs' shell, some CI consoles) moves no cursor: full screen is garbage there.
  const plain =
    Boolean(flags.plain) ||
    !process.stdout.isTTY ||
    !process.stdin.isTTY ||
    process.env.TERM === 'dumb';
  // Plain mode reads no keys: push-to-talk there has no talk button but a serial device's, and
  // without one the mic would stay shut for the whole call, the server hearing silence.
  if (flags.ptt && plain && !settings.serialPath) {
    // Why it runs plain, and the way to the full screen for that reason.
    const [why, fullScreen] = flags.plain
      ? ['--plain reads no keys', 'leave out --plain']
      : !process.stdin.isTTY
        ? [
            'stdin is not a terminal, so the app runs plain, which reads no keys',
            'run it with stdin on a terminal',
          ]
        : !process.stdout.isTTY
          ? [
              'stdout is not a terminal (it is redirected), so the app runs plain, which reads no keys',
              'run it with stdout on a terminal',
            ]
          : [
              'with TERM=dumb the app runs plain, which reads no keys',
              "set TERM to your terminal's name",
            ];
    throw new UsageError(
      `--ptt needs a talk button, and ${why}: the mic would stay shut for the whole call. Give --serial <device> (its PTT button talks), or ${fullScreen}.`,
    );
  }
  const { runCall } = await import('../app/run-call.js');
  const local = Boolean(flags.local) || (!settings.apiKey && sources.apiBase === 'default');
  return runCall(
    {
      apiBase: settings.apiBase,
      apiKey: settings.apiKey,
      apiKeyFrom: from.apiKey,
      apiBaseFrom: from.apiBase,
      // The local agent knows only its demo agents: an Omnia agent id from the environment or
      // the config file means nothing to it, one given with --agent is meant for it.
      agentId: local && sources.agentId !== 'flag' ? undefined : settings.agentId,
      agentFromConfig: sources.agentId === 'config',
      // No key and no explicit API base: the built-in local agent. An explicit --api-base (e.g.
      // an `omnia-voice serve` on another port) is used as given, key or not.
      local,
      input: settings.input,
      output: settings.output,
      inputFrom: from.input,
      outputFrom: from.output,
      inputSampleRate: settings.inputSampleRate ?? settings.sampleRate,
      outputSampleRate: settings.outputSampleRate ?? settings.sampleRate,
      leadMs: settings.leadMs,
      // The older echoGuard setting is folded into echo by resolveSettings.
      echo: settings.echo,
      echoSetBy:
        sources.echo === 'default'
          ? undefined
          : sources.echo === 'flag'
            ? flags.echo === undefined
              ? '--no-echo-guard'
              : `--echo ${settings.echo}`
            : from.echo,
      ptt: Boolean(flags.ptt),
      plain,
      ...(plain ? {} : { settingWarnings: warnings }),
      verbose: Boolean(flags.verbose),
      durationSeconds: flags.duration,
      transcriptPath: flags.transcript,
      transcriptDir: settings.transcriptDir,
      transcriptDirFrom: from.transcriptDir,
      transcriptFormat: settings.transcriptFormat,
      saveTranscripts: Boolean(flags.saveTranscripts),
      recordPath: flags.record,
      serialPath: settings.serialPath,
      serialPathFrom: from.serialPath,
      serialBaud: settings.serialBaud,
      pingIntervalMs: testKnobMs('OMNIA_PING_INTERVAL_MS'),
      pongTimeoutMs: testKnobMs('OMNIA_PONG_TIMEOUT_MS'),
      createTimeoutMs: testKnobMs('OMNIA_CREATE_TIMEOUT_MS'),
      recordWaitMs: testKnobMs('OMNIA_RECORD_WAIT_MS'),
      recordPollMs: testKnobMs('OMNIA_RECORD_POLL_MS'),
      fifoWaitMs: testKnobMs('OMNIA_FIFO_WAIT_MS'),
      ...(prompt ? { prompt } : {}),
      ...(flags.tools ? { toolsPath: flags.tools } : {}),
      callRecord: flags.callRecord !== false,
    },
    { out, err },
  );
}

/**
 * Timing knobs for tests (not user settings, so not in the config schema): a positive number of
 * milliseconds from the environment, else undefined (the built-in default applies).
 */
function testKnobMs(name: string): number | undefined {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

async function runServe(flags: { port?: number; host?: string; voice?: string }): Promise<number> {
  const { startLocalAgent } = await import('../local-agent/index.js');
  const agent = await startLocalAgent({
    port: flags.port ?? 0,
    host: flags.host,
    voice: flags.voice as 'espeak' | 'echo' | 'tone' | undefined,
    log: (line) => err(line),
  }).catch((error: unknown) => {
    throw listenError(error, flags.port ?? 0, flags.host ?? '127.0.0.1');
  });
  // One write, so that whoever reads the pipe gets the banner whole, not its first line alone.
  out(
    [
      `omnia-voice local agent listening on ${agent.baseUrl}`,
      `  create a call: POST ${agent.baseUrl}/api/v1/calls/create`,
      `  talk to it:    omnia-voice --api-base ${agent.baseUrl} --agent demo`,
      `  its agents:    omnia-voice agents --api-base ${agent.baseUrl}`,
    ].join('\n'),
  );
  return new Promise<number>((resolve) => {
    onStop(() => {
      void agent.close().then(() => resolve(0));
    });
  });
}

/** Why `serve` could not listen, in words (exit 1); another failure as it is. */
function listenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new Error(
      `port ${port} on ${host} is already in use: pick another with --port, or --port 0 for any free one.`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new Error(
      `${host} is not an address of this machine: give one of its own with --host (127.0.0.1, the default, or 0.0.0.0 for all of them).`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new Error(
      `--host ${JSON.stringify(host)} is no address or host name this machine can find: give one of its own (127.0.0.1, the default, or 0.0.0.0 for all of them).`,
    );
  }
  return error;
}

/** Options that mean the same before an API command as after it (`--api-base URL agents`). */
const SHARED_OPTIONS = new Set(['--api-base', '--local']);

/**
 * Options given to a parent command (the call's options before `agents`, `calls --limit` before
 * `show`) are refused unless the command run has the same option meaning the same: a command
 * takes only its own options, never silently another's.
 */
function checkParentOptions(command: Command): void {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  const name = names.join(' ');
  for (let parent = command.parent; parent; parent = parent.parent) {
    for (const option of parent.options) {
      if (parent.getOptionValueSource(option.attributeName()) !== 'cli') continue;
      const flag = option.long ?? option.short ?? option.flags;
      const own = command.options.some((o) => o.long === option.long);
      if (own && SHARED_OPTIONS.has(flag)) continue;
      if (own) {
        const whose = parent.parent ? parent.name() : 'a call';
        throw new UsageError(
          `${flag} goes after ${name} (omnia-voice ${name} ${flag} …): before it, it is an option of ${whose}.`,
        );
      }
      throw new UsageError(
        `${flag} is not an option of ${name} (omnia-voice ${name} --help lists them).`,
      );
    }
  }
}

/** Options that say in their own words what an empty value means. */
const OWN_EMPTY_MESSAGE = new Set(['--greeting', '--prompt', '--out']);
/** The call's (the root command's) own: `voices --language ''` is refused as any option is. */
const CALL_EMPTY_MESSAGE = new Set(['--voice', '--language']);

/** Whether `flag` of `command` says of an empty value what is wrong itself. */
function ownEmptyMessage(command: Command, flag: string): boolean {
  return OWN_EMPTY_MESSAGE.has(flag) || (command.parent === null && CALL_EMPTY_MESSAGE.has(flag));
}

/**
 * An option given an empty value (`--serial ''`, a variable that expanded to nothing) is a
 * mistake to say, not a value to ignore: some took it for "not given", others for a path.
 */
function refuseEmptyValues(command: Command): void {
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.options) {
      const flag = option.long ?? option.flags;
      if (ownEmptyMessage(c, flag)) continue;
      if (c.getOptionValueSource(option.attributeName()) !== 'cli') continue;
      const value: unknown = c.getOptionValue(option.attributeName());
      if (typeof value === 'string' && value.trim() === '') {
        throw new UsageError(`${flag} is empty: give it a value, or leave it out.`);
      }
    }
  }
}

/**
 * A call takes no words of its own, nor does `calls` (only its commands): a word given to
 * either is a command it does not have (`omnia-voice agentz`), not "too many arguments".
 * Refused as Commander refuses one, with its closest command (`did you mean agents?`).
 */
function refuseStrayWords(command: Command): void {
  if (command.commands.length === 0 || command.registeredArguments.length > 0) return;
  if (command.args.length === 0) return;
  // Commander's own error and suggestion for an unknown command (its typings leave it out).
  (command as unknown as { unknownCommand(): void }).unknownCommand();
}

/**
 * Commander checks a command's unknown options before its words, so `omnia-voice agentz --json`
 * said "unknown option '--json'" for a command that does not exist. A word before the unknown
 * option, given to a command that takes none of its own, is the mistake: it is refused as an
 * unknown command (with its suggestion), as `omnia-voice agentz` is.
 */
class OmniaCommand extends Command {
  override createCommand(name?: string): Command {
    return new OmniaCommand(name);
  }

  /**
   * `help <command>`: that command's help; a command there is none of is refused as
   * `omnia-voice agentz` is (`unknown command 'agentz': did you mean agents?`), not answered
   * with the main help on stderr.
   */
  _dispatchHelpCommand(name?: string): unknown {
    const self = this as unknown as {
      args: string[];
      _findCommand(name: string): Command | undefined;
      unknownCommand(): void;
    };
    if (name !== undefined && self._findCommand(name) === undefined) {
      self.args = [name];
      self.unknownCommand();
    }
    return (
      Command.prototype as unknown as { _dispatchHelpCommand(name?: string): unknown }
    )._dispatchHelpCommand.call(this, name);
  }

  /**
   * A word the command needs, missing: what it is and how to type it (`calls show needs a call
   * id: omnia-voice calls show <id> (omnia-voice calls lists them)`), not Commander's
   * `missing required argument 'id'`.
   */
  missingArgument(name: string): void {
    const hint = MISSING_WORDS[commandPath(this)];
    const usage = typedUsage(this);
    const what = hint ? hint.what : `<${name}>`;
    // The listing asks the server this command was to ask (`--api-base`, `--local`).
    const where = hint?.listed
      ? ` (${commandFor(flagTarget(this.optsWithGlobals()), hint.listed)} lists them)`
      : '';
    this.error(`error: ${shortPath(this)} needs ${what}: ${usage}${where}`, {
      code: 'commander.missingArgument',
      exitCode: 1,
    });
  }

  /**
   * Words a command does not take (`omnia-voice voices english`), said with how to type it,
   * not Commander's `too many arguments for 'voices'. Expected 0 arguments but got 1`.
   */
  _excessArguments(received: string[]): void {
    if ((this as unknown as { _allowExcessArguments: boolean })._allowExcessArguments) return;
    const extra = received
      .slice(this.registeredArguments.length)
      .map((word) => JSON.stringify(word.length > 40 ? `${word.slice(0, 39)}…` : word))
      .join(' ');
    const n = this.registeredArguments.length;
    const left = `and ${extra} ${received.length - n === 1 ? 'is' : 'are'} left over`;
    const message =
      n === 0
        ? `${shortPath(this)} takes no words of its own, ${left}: ${commandPath(this)} --help lists its options`
        : `${shortPath(this)} takes ${typedUsage(this).slice(commandPath(this).length + 1)} (quote a value that has spaces), ${left}: ${typedUsage(this)}`;
    this.error(`error: ${message}`, { code: 'commander.excessArguments', exitCode: 1 });
  }

  unknownOption(flag: string): void {
    const before = this.args.slice(0, Math.max(0, this.args.indexOf(flag)));
    if (before.some((word) => !word.startsWith('-'))) refuseStrayWords(this);
    // `--plain=yes`: Commander takes `--name=value` only for options with a value, and called
    // a known switch given one an unknown option. It is this command's, and takes no value.
    const name = /^(--[^=]+)=/.exec(flag)?.[1];
    // --help is Commander's own switch, not among the command's options.
    const option = this.options.find((o) => o.long === name);
    const isSwitch =
      name === '--help' || (option !== undefined && !option.required && !option.optional);
    if (name && isSwitch) {
      this.error(`error: ${name} takes no value: give ${name} alone, or leave it out`, {
        code: 'commander.unknownOption',
        exitCode: 1,
      });
    }
    (
      Command.prototype as unknown as { unknownOption(this: Command, flag: string): void }
    ).unknownOption.call(this, flag);
  }
}

/** What a command's missing word is, in words, and the command that lists the values. */
const MISSING_WORDS: Record<string, { what: string; listed?: string }> = {
  'omnia-voice calls show': { what: 'a call id', listed: 'calls' },
  'omnia-voice agents show': { what: 'an agent id or name', listed: 'agents' },
};

/** `calls show`: the command's path without the program's name. */
function shortPath(command: Command): string {
  return commandPath(command).replace(/^omnia-voice /, '');
}

/** `omnia-voice calls show <id>`: how the command is typed, with its words. */
function typedUsage(command: Command): string {
  const words = command.registeredArguments.map((a) =>
    a.required ? `<${a.name()}>` : `[${a.name()}]`,
  );
  return [commandPath(command), ...words].join(' ');
}

/** `omnia-voice calls`: how the user types this command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's usage errors in the app's one-line style: its suggestion on a line of its own
 * (`(Did you mean agents?)`) joins the error (`: did you mean agents?`), and an unknown command
 * with no suggestion says where the commands are listed.
 */
function oneLineErrors(command: Command): (text: string, write: (text: string) => void) => void {
  return (text, write) => {
    let line = text.replace(/\n\(Did you mean (.+)\?\)\s*$/, ': did you mean $1?').trimEnd();
    if (/^error: unknown command '.*'$/.test(line)) {
      line += `: ${commandPath(command)} --help lists the commands`;
      // A word left over from a value with spaces (`--prompt Be brief`) lands here.
      if (!command.parent)
        line += ' (a call takes no words of its own: quote a value that has spaces)';
    }
    write(`${line}\n`);
  };
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new OmniaCommand();
  // Each command parses its own options, after its name: `serve --voice tone` is serve's voice,
  // and `agents --duration 5` is an unknown option of agents, not the call's (exit 2).
  program.enablePositionalOptions();
  program.hook('preAction', (_program, command) => {
    refuseStrayWords(command);
    checkParentOptions(command);
    refuseEmptyValues(command);
  });
  program
    .name('omnia-voice')
    .description(
      'Talk to Omnia Voice AI agents in real time from the terminal.\n' +
        'With no API key configured it talks to the built-in local agent.',
    )
    .version(version(), '--version')
    .option('--agent <id|name>', 'agent id or name (env OMNIA_AGENT_ID)')
    .option('--api-base <url>', 'API base URL (env OMNIA_API_BASE)')
    .option('--local', 'talk to the built-in local agent, even with a key configured')
    .option('--plain', 'one line per event instead of the full-screen UI')
    .option('-v, --verbose', 'also print protocol events (plain mode)')
    .option(
      '--duration <seconds>',
      'hang up after this many seconds',
      numberFlag(
        '--duration',
        `a number of seconds above 0, at most ${MAX_DURATION_S} (a day)`,
        (n) => n > 0 && n <= MAX_DURATION_S,
      ),
    )
    .option(
      '--transcript <path>',
      'keep the transcript in this file (.md, .txt, .json, .jsonl)',
      homePath,
    )
    .option('--save-transcripts', 'save the transcript into the transcript directory at the end')
    .option('--input <spec>', 'mic | mic:<device> | none | <file.wav>', homePath)
    .option(
      '--output <spec>',
      'speaker | speaker:<device> | sox | sox:<device> | none | <file.wav>',
      homePath,
    )
    // The flags of settings are checked with the settings (`Invalid value for --lead-ms: …`).
    .option('--sample-rate <hz>', 'sample rate of both directions (default 48000)')
    .option('--input-rate <hz>', 'sample rate of the audio sent')
    .option('--output-rate <hz>', 'sample rate of the agent audio')
    .option('--lead-ms <ms>', 'agent audio kept inside the output device')
    .option(
      '--echo <mode>',
      'cancel (default: echo canceller; off on headphones the sound server names, guard when speexdsp is missing) | guard | off (headphones)',
    )
    .option('--no-echo-guard', 'the same as --echo off')
    .option('--ptt', 'push-to-talk: the mic is live only while the PTT control is on')
    .option(
      '--record <file.wav>',
      'record the call as stereo WAV (you left, agent right)',
      homePath,
    )
    .option('--serial <path>', 'serial device for mute / push-to-talk / interrupt', homePath)
    .option('--serial-baud <baud>', 'serial baud rate (default 115200)')
    .option('--prompt <file|text>', 'try a prompt: an inline call with no saved agent', homePath)
    .option('--voice <name>', 'voice of the --prompt call (omnia-voice voices)')
    .option('--language <code>', 'language of the --prompt call (omnia-voice languages)')
    .option(
      '--model <model>',
      `model of the --prompt call: ${orList(INLINE_MODEL_CHOICES)}`,
      oneOf('--model', INLINE_MODEL_CHOICES),
    )
    .option('--greeting <text>', 'what the --prompt agent says first')
    .option(
      '--first-speaker <who>',
      'who speaks first in a --prompt call: agent or user',
      oneOf('--first-speaker', ['agent', 'user']),
    )
    .option(
      '--temperature <t>',
      'sampling temperature of the --prompt call, 0 to 1',
      numberIn('--temperature', 0, 1, 'a number'),
    )
    .option(
      '--max-duration <s>',
      'longest --prompt call in seconds, 60 to 7200',
      // Omnia's maxDuration is whole seconds (omnia-protocol.md: 60–7200 s).
      numberFlag(
        '--max-duration',
        'a whole number of seconds from 60 to 7200',
        (n) => Number.isInteger(n) && n >= 60 && n <= 7200,
      ),
    )
    .option(
      '--tools <file>',
      'answer client tools locally: a JSON file of commands or URLs',
      homePath,
    )
    .option(
      '--no-call-record',
      'do not fetch the call record (end reason, cost, summary) after the call',
    )
    .action(async (flags: CallFlags) => setExit(await runCallCommand(flags)));

  const apiCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .option('--api-base <url>', 'API base URL (env OMNIA_API_BASE)')
      .option('--local', 'ask the built-in local agent, even with a key configured')
      .option('--json', 'print JSON instead of a table');

  const agents = apiCommand(
    'agents',
    "list the workspace's agents: name, id, status, language, voice, first speaker (agents show ID: one agent)",
  )
    .option('--search <text>', 'only agents whose name or description contains this')
    .option('--all', 'inactive and suspended agents too')
    .action(async (_flags, cmd: Command) => {
      const { runAgentsCommand } = await import('./commands/agents.js');
      setExit(await runAgentsCommand(cmd.optsWithGlobals(), out, err, await tableWidth()));
    });
  agents
    .command('show')
    .description("one agent's details: description, language, voice, greeting, model")
    .argument('<id|name>', 'the agent id or name')
    .option('--json', 'print JSON instead')
    .option('--api-base <url>', 'API base URL (env OMNIA_API_BASE)')
    .option('--local', 'ask the built-in local agent, even with a key configured')
    .action(async (ref: string, _flags, cmd: Command) => {
      const { runAgentShowCommand } = await import('./commands/agents.js');
      const flags = cmd.optsWithGlobals();
      setExit(await runAgentShowCommand(ref, flags, flags.json ? await jsonOut() : out, err));
    });

  apiCommand('voices', 'list the voices --voice takes')
    .option('--language <code>', 'only voices for this language')
    .action(async (_flags, cmd: Command) => {
      const { runVoicesCommand } = await import('./commands/catalog.js');
      setExit(await runVoicesCommand(cmd.optsWithGlobals(), out, err, await tableWidth()));
    });

  apiCommand('languages', 'list the languages --language takes').action(
    async (_flags, cmd: Command) => {
      const { runLanguagesCommand } = await import('./commands/catalog.js');
      setExit(await runLanguagesCommand(cmd.optsWithGlobals(), out, err, await tableWidth()));
    },
  );

  const calls = apiCommand('calls', 'list recent calls, newest first (calls show ID: one call)')
    .option('--limit <n>', 'at most this many calls (default 20)', positiveInteger('--limit'))
    .option('--since <date>', 'calls since a date (2026-05-01) or an age (12h, 7d)')
    .option('--until <date>', 'calls started up to a date (that whole day) or an age')
    .option('--status <status>', 'only calls that ended so (e.g. agent_hangup)')
    .action(async (_flags, cmd: Command) => {
      const { runCallsCommand } = await import('./commands/calls.js');
      const flags = cmd.optsWithGlobals();
      setExit(
        await runCallsCommand(
          flags,
          flags.json ? await jsonOut() : out,
          err,
          flags.json ? undefined : await tableWidth(),
        ),
      );
    });
  calls
    .command('show')
    .description("print or save one call's record and transcript")
    .argument('<id>', 'the call id')
    .option(
      '--format <format>',
      'md, txt, json or jsonl',
      oneOf('--format', ['md', 'txt', 'json', 'jsonl']),
    )
    .option('--json', 'the same as --format json')
    .option(
      '--out <file>',
      'save to this file (format from its extension unless --format)',
      homePath,
    )
    .option('--api-base <url>', 'API base URL (env OMNIA_API_BASE)')
    .option('--local', 'ask the built-in local agent, even with a key configured')
    .action(async (id: string, _flags, cmd: Command) => {
      const { json, ...flags } = cmd.optsWithGlobals();
      if (json) {
        if (flags.format !== undefined && flags.format !== 'json') {
          throw new UsageError(
            `--json is the same as --format json: give --format ${flags.format} or --json, not both.`,
          );
        }
        flags.format = 'json';
      }
      const { runCallsShowCommand } = await import('./commands/calls.js');
      const print = flags.format === 'json' ? await jsonOut() : out;
      setExit(await runCallsShowCommand(id, flags, print, err));
    });

  program
    .command('serve')
    .description('run the built-in local agent alone and print its base URL')
    .option('--port <n>', 'port to listen on (default: any free port)', port('--port'))
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option(
      '--voice <kind>',
      'how the agent speaks: espeak, echo or tone',
      oneOf('--voice', ['espeak', 'echo', 'tone']),
    )
    .action(async (flags) => setExit(await runServe(flags)));

  program
    .command('devices')
    .description('list audio input and output devices')
    .option('--json', 'print JSON instead of a list')
    .action(async (flags: { json?: boolean }) => {
      const { listDevices, formatDevices } = await import('../audio/devices.js');
      const list = await listDevices();
      // The same data as the list, notes included: what a device cannot do is part of it.
      if (flags.json) (await jsonOut())(JSON.stringify(list, null, 2));
      else out(formatDevices(list));
      setExit(0);
    });

  program
    .command('config')
    .description('manage settings: list | get <key> | set <key> <value> | unset <key> | path')
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runConfigCommand } = await import('../config/commands.js');
      const { configFilePath, readConfigView } = await import('../config/read.js');
      // conf (tens of ms to load) only for the commands that write: `get`, `list` and `path`
      // read the file as a call does.
      const writes = args[0] === 'set' || args[0] === 'unset';
      const openConfig = writes ? (await import('../config/store.js')).openConfig : undefined;
      const { settingOverrides } = await import('../config/resolve.js');
      const warnings: string[] = [];
      const overrides = settingOverrides(process.env, process.cwd(), warnings);
      for (const warning of warnings) err(`warning: ${warning}`);
      // `get` and `list` read the file as a call does; only `set` and `unset` open it to write.
      const file = {
        path: configFilePath(),
        read: readConfigView,
        open: () => {
          if (openConfig === undefined) throw new Error(`config ${args[0]} does not write`);
          return openConfig();
        },
      };
      setExit(runConfigCommand(args, out, file, err, overrides));
    });

  const serial = program.command('serial').description('serial control helpers');
  serial
    .command('list')
    .description('list serial ports')
    .action(async () => {
      const { listSerialPorts, formatPorts } = await import('../serial/list.js');
      const ports = await listSerialPorts();
      // The ports on stdout, one a line, for scripts; "none found" is a note, on stderr.
      if (ports.length > 0) out(formatPorts(ports));
      else err(formatPorts(ports));
      setExit(0);
    });

  // Words the call and `calls` do not take reach refuseStrayWords, which names them as the
  // unknown commands they are. Set last: commands made earlier do not inherit it.
  program.allowExcessArguments();
  // `omnia-voice help calls` is `calls --help`, `help` alone the main help, as git and npm take
  // it (a trial got `unknown command 'help'`). Commander adds it only to a program without an
  // action of its own; set last, so the commands made earlier do not list one of their own.
  program.helpCommand(true);
  calls.allowExcessArguments();
  agents.allowExcessArguments();
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: oneLineErrors(cmd),
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  return program;
}

/**
 * `help calls show` as `calls show --help`: Commander's help command takes one word, and
 * printed `calls`' help for it. Only a whole path of commands is rewritten; anything else is
 * left to Commander (`help agentz` is refused as `agentz` is).
 */
function helpAsFlag(program: Command, argv: string[]): string[] {
  const [node, script, first, ...words] = argv;
  if (first !== 'help' || words.length < 2) return argv;
  let cmd = program;
  for (const word of words) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) return argv;
    cmd = sub;
  }
  return [node as string, script as string, ...words, '--help'];
}

async function main(): Promise<void> {
  // Benchmarks only: OMNIA_VOICE_STATS=<file> writes loop delay, memory and CPU there at exit.
  if (process.env.OMNIA_VOICE_STATS) (await import('../app/stats.js')).startStatsFromEnv();
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(helpAsFlag(program, process.argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is bad usage.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    await runCleanup();
    // What resolving the settings noticed on the way (a .env line dropped) may be the cause.
    const noticed = (error as { warnings?: unknown }).warnings;
    if (Array.isArray(noticed)) for (const warning of noticed) err(`warning: ${String(warning)}`);
    const message = error instanceof Error ? error.message : String(error);
    // Every bad setting is a line of its own (two in the config file are two errors): each says
    // `error:`, as config list says them.
    const lines =
      error instanceof Error && error.name === 'ConfigError' ? message.split('\n') : [message];
    for (const line of lines) err(`error: ${line}`);
    process.exitCode = isUsageError(error) ? EXIT_USAGE : 1;
    return;
  }
  process.exitCode = exitCode;
  // Sockets, timers or native audio handles must not keep a finished call alive.
  setTimeout(() => process.exit(exitCode), 1_000).unref();
}

function usageError(message: string): Error {
  const error = new Error(message);
  error.name = 'UsageError';
  return error;
}

function isUsageError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ConfigError' || error.name === 'UsageError');
}

// Signals, uncaught errors and restoring the terminal are the lifecycle's (source/app/lifecycle.ts).
installProcessHandlers(err);
void main();
