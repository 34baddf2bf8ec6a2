/**
 * `--prompt FILE|TEXT`: the system prompt of an inline call, and the label that names it in
 * headers and files (the file name and a short hash of the text as sent).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { CallLabel } from '../session/types.js';
import { readErrorReason } from '../text/file-errors.js';

/** Omnia takes prompts of a few thousand words; a file far larger is the wrong file. */
export const MAX_PROMPT_BYTES = 256 * 1024;
/** Hex digits of the SHA-256 shown: enough to tell two edits apart at a glance. */
const HASH_HEX_DIGITS = 8;

/** Where the prompt comes from: a file, read again for every call, or text from the flag. */
export type PromptSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'text'; readonly text: string };

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
  let isDirectory = false;
  try {
    const stats = statSync(path);
    if (stats.isFile()) return { kind: 'file', path };
    isDirectory = stats.isDirectory();
  } catch {
    // Not a file: it may be the prompt text.
  }
  if (isDirectory && value.trim() !== '') {
    throw new PromptError(
      `--prompt ${JSON.stringify(value)} is a directory: give a prompt file in it, or the prompt text in quotes.`,
    );
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new PromptError('--prompt is empty: give a prompt file or the text.');
  if (!/\s/.test(trimmed) && (trimmed.includes('/') || /\.[A-Za-z0-9]{1,5}$/.test(trimmed))) {
    throw new PromptError(
      `No prompt file ${JSON.stringify(value)}. Give an existing file, or the prompt text in quotes.`,
    );
  }
  return { kind: 'text', text: trimmed };
}

/** The first digits of the SHA-256 of the prompt text. */
export function promptHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** The prompt as it is now (a file is read again each time) and its label. */
export function loadPrompt(source: PromptSource): { text: string; label: CallLabel } {
  let text: string;
  if (source.kind === 'text') text = source.text;
  else {
    let buffer: Buffer;
    try {
      buffer = readFileSync(source.path);
    } catch (error) {
      throw new PromptError(
        `Cannot read the prompt file ${source.path}: ${readErrorReason(error)}.`,
      );
    }
    if (buffer.length > MAX_PROMPT_BYTES) {
      throw new PromptError(
        `The prompt file ${source.path} is over ${MAX_PROMPT_BYTES / 1024} KiB; is it the right file?`,
      );
    }
    text = buffer
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim();
    if (text === '') throw new PromptError(`The prompt file ${source.path} is empty.`);
  }
  const hash = promptHash(text);
  const file = source.kind === 'file' ? basename(source.path) : undefined;
  const label: CallLabel = {
    kind: 'prompt',
    text: `${file ?? 'inline prompt'} · ${hash}`,
    promptHash: hash,
    promptText: text,
    ...(file === undefined ? {} : { promptFile: file }),
  };
  return { text, label };
}
