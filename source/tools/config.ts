/**
 * The `--tools FILE` file: which client tools this app answers and how. JSON:
 * `{"tools": {"<name>": {"command": "…", "timeoutMs": 10000}}}` or `{"url": "http://…"}`.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sanitizeLine } from '../protocol/sanitize.js';
import { readErrorReason } from '../text/file-errors.js';
import { whereJsonBreaks } from '../text/json-position.js';

/** How long a tool may run unless its entry says otherwise. */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;
/** The agent is waiting mid-sentence: no tool may keep it waiting longer than this. */
export const MAX_TOOL_TIMEOUT_MS = 120_000;

/** Tool names as the agent calls them: letters, digits and `_ . : -`, 1 to 100 of them. */
const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What no header value may hold (node:http refuses it): line breaks, controls, beyond Latin-1. */
const HEADER_VALUE_BAD = /[^\t\u0020-\u007e\u0080-\u00ff]/;

/** A tool answered by running a shell command. */
export interface CommandTool {
  readonly kind: 'command';
  readonly name: string;
  readonly command: string;
  readonly timeoutMs: number;
  /** Commands run in the directory of the tools file, so relative scripts are found. */
  readonly cwd: string;
}

/** A tool answered by an HTTP POST. */
export interface UrlTool {
  readonly kind: 'url';
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type ToolSpec = CommandTool | UrlTool;

/** A tools file that cannot be used; the message names the file and the problem. */
export class ToolsFileError extends Error {
  constructor(message: string) {
    super(message);
    // A broken --tools file is the user's to fix: main.ts exits 2 for usage errors.
    this.name = 'UsageError';
  }
}

/** Reads and checks a tools file. Throws {@link ToolsFileError}. */
export function loadToolsFile(path: string): ToolSpec[] {
  const file = resolve(path);
  // Named as given (`--tools /dev/null`, `a/b/tools.json`), as a read error names it.
  const shown = sanitizeLine(path, 200);
  if (/\.ya?ml$/i.test(file)) {
    throw new ToolsFileError(
      `The tools file ${shown} is YAML; write it as JSON (see docs/omnia-api.md).`,
    );
  }
  let text: string;
  try {
    // Editors on Windows start UTF-8 files with a byte order mark; JSON.parse does not skip it.
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new ToolsFileError(`Cannot read the tools file ${shown}: ${readErrorReason(error)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const where = whereJsonBreaks(text, error instanceof Error ? error.message : '');
    throw new ToolsFileError(`The tools file ${shown} is not valid JSON${where}.`);
  }
  try {
    return readTools(json, dirname(file));
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    throw new ToolsFileError(
      error.where === ''
        ? `The tools file ${shown} must be ${error.what}.`
        : `The tools file ${shown} has a problem at ${error.where}: ${error.what}.`,
    );
  }
}

/**
 * The first thing wrong in a tools file: where (`"tools.lookup.timeoutMs"`, or '' for the whole
 * file) and what it must be.
 */
class Problem extends Error {
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(what);
  }
}

const at = (...path: string[]): string => `"${path.join('.')}"`;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as the message quotes it: `"5000"`, `200000`, `true`; long ones cut. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}

function readTools(json: unknown, cwd: string): ToolSpec[] {
  if (!isObject(json)) {
    // The whole file: said as such, not as a place in it.
    throw new Problem('', 'a JSON object like {"tools": {"lookup": {"command": "…"}}}');
  }
  for (const key of Object.keys(json)) {
    if (key !== 'tools') {
      throw new Problem(at(key), 'not a setting of the tools file (it has only "tools")');
    }
  }
  const tools = json.tools;
  if (!isObject(tools)) {
    throw new Problem(at('tools'), 'an object of tools by name, like {"lookup": {"command": "…"}}');
  }
  // An empty file answers nothing: a typo or an unsaved edit, better said than run without.
  if (Object.keys(tools).length === 0) {
    throw new Problem(
      at('tools'),
      'at least one tool, like {"lookup": {"command": "…"}} (it is empty)',
    );
  }
  return Object.entries(tools).map(([name, entry]) => readTool(name, entry, cwd));
}

function readTool(name: string, entry: unknown, cwd: string): ToolSpec {
  const where = (...rest: string[]) => at('tools', name, ...rest);
  if (!TOOL_NAME.test(name)) {
    throw new Problem(
      where(),
      `${quote(name)} is not a valid tool name: use 1 to 100 letters, digits, _ . : or -` +
        (/\s/.test(name) ? ' (no spaces)' : ''),
    );
  }
  if (!isObject(entry) || (!('command' in entry) && !('url' in entry))) {
    throw new Problem(where(), 'an object with "command" or "url" (and optional "timeoutMs")');
  }
  if ('command' in entry && 'url' in entry) {
    throw new Problem(where(), '"command" and "url" both given: a tool is one or the other');
  }
  const kind = 'command' in entry ? 'command' : 'url';
  const keys = kind === 'command' ? ['command', 'timeoutMs'] : ['url', 'timeoutMs', 'headers'];
  for (const key of Object.keys(entry)) {
    if (!keys.includes(key)) {
      throw new Problem(
        where(key),
        kind === 'command'
          ? 'not a setting of a command tool (it takes "command" and "timeoutMs")'
          : 'not a setting of a URL tool (it takes "url", "timeoutMs" and "headers")',
      );
    }
  }
  const timeoutMs = readTimeout(entry.timeoutMs, where('timeoutMs'));
  if (kind === 'command') {
    const command = typeof entry.command === 'string' ? entry.command.trim() : '';
    if (!command)
      throw new Problem(where('command'), 'the shell command to run, a non-empty string');
    return { kind, name, command, timeoutMs, cwd };
  }
  return {
    kind,
    name,
    url: readUrl(entry.url, where('url')),
    timeoutMs,
    headers: readHeaders(entry.headers, (...rest) => where('headers', ...rest)),
  };
}

function readTimeout(value: unknown, where: string): number {
  if (value === undefined) return DEFAULT_TOOL_TIMEOUT_MS;
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_TOOL_TIMEOUT_MS
  ) {
    return value;
  }
  const must = `the timeout must be a whole number of milliseconds from 1 to ${MAX_TOOL_TIMEOUT_MS}`;
  throw new Problem(
    where,
    typeof value === 'string'
      ? `${must}, written without quotes (not ${quote(value)})`
      : `${must} (not ${quote(value)})`,
  );
}

function readUrl(value: unknown, where: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new Problem(where, `an http:// or https:// URL (not ${quote(value)})`);
  }
  return value as string;
}

function readHeaders(
  value: unknown,
  where: (...rest: string[]) => string,
): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new Problem(where(), 'an object of header names and string values');
  for (const [name, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) throw new Problem(where(name), 'not a valid HTTP header name');
    if (typeof text !== 'string') throw new Problem(where(name), 'a string');
    if (HEADER_VALUE_BAD.test(text)) {
      throw new Problem(
        where(name),
        'a string on one line, without characters HTTP headers cannot carry',
      );
    }
  }
  return value as Record<string, string>;
}
