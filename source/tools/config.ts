/**
 * The `--tools FILE` file: which client tools this app answers and how. JSON:
 * `{"tools": {"<name>": {"command": "…", "timeoutMs": 10000}}}` or `{"url": "http://…"}`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import * as z from 'zod';

/** How long a tool may run unless its entry says otherwise. */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;
/** The agent is waiting mid-sentence: no tool may keep it waiting longer than this. */
export const MAX_TOOL_TIMEOUT_MS = 120_000;

const timeoutMs = z.number().int().positive().max(MAX_TOOL_TIMEOUT_MS).optional();

const commandToolSchema = z.strictObject({
  command: z.string().trim().min(1),
  timeoutMs,
});
const urlToolSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs,
  headers: z.record(z.string(), z.string()).optional(),
});
const toolsFileSchema = z.strictObject({
  tools: z.record(
    z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'a tool name of letters, digits and _ . : -'),
    z.union([commandToolSchema, urlToolSchema]),
  ),
});

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
  const shown = basename(file);
  if (/\.ya?ml$/i.test(file)) {
    throw new ToolsFileError(
      `The tools file ${shown} is YAML; write it as JSON (see docs/omnia-api.md).`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ToolsFileError(`Cannot read the tools file ${file} (${code}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : 'not JSON';
    throw new ToolsFileError(`The tools file ${shown} is not valid JSON (${detail}).`);
  }
  const parsed = toolsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.map(String).join('.')}"` : 'the file';
    const expected =
      issue?.path.length === 2
        ? 'an object with "command" or "url" (and optional "timeoutMs")'
        : (issue?.message ?? 'invalid');
    throw new ToolsFileError(`The tools file ${shown} has a problem at ${where}: ${expected}.`);
  }
  const cwd = dirname(file);
  return Object.entries(parsed.data.tools).map(([name, spec]): ToolSpec => {
    const ms = spec.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    if ('command' in spec)
      return { kind: 'command', name, command: spec.command, timeoutMs: ms, cwd };
    return { kind: 'url', name, url: spec.url, timeoutMs: ms, headers: spec.headers ?? {} };
  });
}
