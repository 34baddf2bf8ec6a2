/**
 * `--prompt FILE|TEXT`: the system prompt of an inline call, and the label that names it in
 * headers and files (the file name and a short hash of the text as sent).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import { basename, resolve } from 'node:path';
import { isatty } from 'node:tty';
import type { CallLabel } from '../session/types.js';
import { readErrorReason } from '../text/file-errors.js';

/** Omnia takes prompts of a few thousand words; a file far larger is the wrong file. */
export const MAX_PROMPT_BYTES = 256 * 1024;
/** Hex digits of the SHA-256 shown: enough to tell two edits apart at a glance. */
const HASH_HEX_DIGITS = 8;

/**
 * Where the prompt comes from: a file, read again for every call; text from the flag; or a pipe
 * (`--prompt <(…)`, a FIFO), read once, when the flag is read, since it cannot be read again.
 */
export type PromptSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'pipe'; readonly path: string; readonly text: string };

/** A bad `--prompt`: one line, exit code 2. */
export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * What `--prompt VALUE` means: an existing file, else the prompt text itself. A value that
 * looks like a file name (no spaces; a slash or an extension) but names no file is refused:
 * a typo must not become the agent's instructions. So is one that names a directory (`prompts`),
 * saying so: it is there, but it is no prompt file.
 */
export function promptSource(value: string): PromptSource {
  const path = resolve(value);
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    // Not a file: it may be the prompt text.
  }
  if (stats?.isFile()) return { kind: 'file', path };
  if (stats?.isCharacterDevice() && isTerminal(path)) {
    throw new PromptError(
      `--prompt ${JSON.stringify(value)} is a terminal: give a prompt file, pipe the prompt in (--prompt <(…)), or the text in quotes.`,
    );
  }
  if (stats?.isFIFO() || stats?.isSocket() || stats?.isCharacterDevice()) {
    return { kind: 'pipe', path: value, text: promptText(readPipe(value), value) };
  }
  const isDirectory = stats?.isDirectory() === true;
  if (isDirectory && value.trim() !== '') {
    throw new PromptError(
      `--prompt ${JSON.stringify(value)} is a directory: give a prompt file in it, or the prompt text in quotes.`,
    );
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new PromptError('--prompt is empty: give a prompt file or the text.');
  const extension = /\.[A-Za-z0-9]{1,5}$/.test(trimmed);
  // A path: no spaces and a slash or an extension; or a few words with a slash and a prompt
  // file's extension (`my prompts/a.md`), not a sentence (`answer yes/no about Node v20.11`).
  const spacedPath =
    trimmed.includes('/') &&
    /\.(md|markdown|txt|text|prompt)$/i.test(trimmed) &&
    trimmed.split(/\s+/).length <= 3;
  const oneWord = !/\s/.test(trimmed);
  if ((oneWord && (trimmed.includes('/') || extension)) || spacedPath) {
    // The shell takes the quotes off: `--prompt "v1.2"` is one word with an extension here, and
    // "the prompt text in quotes" was what the user had given. Say why it reads as a file name.
    const ending = /\.[^./\s]+$/.exec(trimmed)?.[0] ?? '';
    const why = !oneWord
      ? `with a slash and a prompt file's extension (${JSON.stringify(ending)})`
      : trimmed.includes('/')
        ? 'with no spaces and a slash'
        : `with no spaces and an extension (${JSON.stringify(ending)})`;
    throw new PromptError(
      `No prompt file ${JSON.stringify(value)}: ${why}, --prompt takes it for a file name. Give an existing file, or, for the prompt text itself, ${oneWord ? 'words with spaces' : 'more than three words'} ${NOT_QUOTES}.`,
    );
  }
  // One word with a file of that name and an extension beside it (`florist` for florist.md).
  if (oneWord) {
    const near = PROMPT_EXTENSIONS.map((ext) => `${trimmed}${ext}`).find((name) => isFile(name));
    if (near !== undefined) {
      throw new PromptError(
        `No prompt file ${JSON.stringify(value)}, but there is ${near}: give --prompt ${near}, or, for the prompt text itself, words with spaces ${NOT_QUOTES}.`,
      );
    }
  }
  return { kind: 'text', text: trimmed };
}

/**
 * The longest prompt file name a label shows whole: a longer one gives way in its middle, so its
 * start, its end and the hash after it (which tells two edits apart) stay in a header's sight.
 */
const LABEL_FILE_CHARS = 32;

function middleCut(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/**
 * A pipe's prompt, read once, and never more than a prompt may be: `--prompt <(yes)` or
 * `/dev/zero` would otherwise fill the memory before the size was looked at.
 */
function readPipe(path: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new PromptError(`Cannot read the prompt file ${path}: ${readErrorReason(error)}.`);
  }
  try {
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > MAX_PROMPT_BYTES) {
        throw new PromptError(
          `The prompt from ${path} is over ${MAX_PROMPT_BYTES / 1024} KiB; is it the right one?`,
        );
      }
    }
  } catch (error) {
    if (error instanceof PromptError) throw error;
    throw new PromptError(`Cannot read the prompt file ${path}: ${readErrorReason(error)}.`);
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(chunks);
}

/** Whether `path` is a terminal (`/dev/tty`, a pty): read, it waits for someone to type. */
function isTerminal(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    return isatty(fd);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readPrompt(path: string): Buffer {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (error) {
    throw new PromptError(`Cannot read the prompt file ${path}: ${readErrorReason(error)}.`);
  }
  if (buffer.length > MAX_PROMPT_BYTES) {
    throw new PromptError(
      `The prompt file ${path} is over ${MAX_PROMPT_BYTES / 1024} KiB; is it the right file?`,
    );
  }
  return buffer;
}

/**
 * A prompt file's text: UTF-8, byte order mark and surrounding blanks off. A file that is not
 * text (a WAV picked by a slip of tab completion) would become the agent's instructions.
 */
function promptText(buffer: Buffer, path: string): string {
  let decoded: string;
  try {
    if (buffer.includes(0)) throw new Error('NUL');
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new PromptError(`The prompt file ${path} is not text (UTF-8); is it the right file?`);
  }
  const text = decoded.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new PromptError(`The prompt file ${path} is empty.`);
  return text;
}

/** The shell removes quotes before the app sees the value: quoting a word does not make it text. */
const NOT_QUOTES = '(quotes alone do not make it text)';

/** Extensions a prompt file given without one is looked for with. */
const PROMPT_EXTENSIONS = ['.md', '.txt', '.prompt'];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first digits of the SHA-256 of the prompt text. */
export function promptHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** The prompt as it is now (a file is read again each time) and its label. */
export function loadPrompt(source: PromptSource): { text: string; label: CallLabel } {
  const text =
    source.kind === 'file' ? promptText(readPrompt(source.path), source.path) : source.text;
  const hash = promptHash(text);
  const file = source.kind === 'file' ? basename(source.path) : undefined;
  const shown = file ?? (source.kind === 'pipe' ? 'piped prompt' : 'inline prompt');
  const label: CallLabel = {
    kind: 'prompt',
    text: `${middleCut(shown, LABEL_FILE_CHARS)} · ${hash}`,
    promptHash: hash,
    promptText: text,
    ...(file === undefined ? {} : { promptFile: file }),
  };
  return { text, label };
}
