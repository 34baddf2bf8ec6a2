import { sanitizeLine } from '../../protocol/sanitize.js';

/** How many stderr lines of a helper process are kept for error messages. */
export const STDERR_TAIL_LINES = 20;
const MAX_LINE_CHARS = 300;

/**
 * Keeps the last lines a child process wrote to stderr, sanitised, so they can go into a
 * one-line error message instead of onto the terminal (where they would tear the UI).
 */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines: number = STDERR_TAIL_LINES) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    // A process that never ends its line must not grow memory without bound.
    if (this.partial.length > MAX_LINE_CHARS * 4) {
      this.add(this.partial);
      this.partial = '';
    }
    for (const part of parts) this.add(part);
  }

  /** Kept lines, oldest first, including an unfinished last line. */
  get tail(): string[] {
    const last = sanitizeLine(this.partial, MAX_LINE_CHARS).trim();
    return last.length > 0 ? [...this.lines, last] : [...this.lines];
  }

  private add(line: string): void {
    const clean = sanitizeLine(line, MAX_LINE_CHARS).trim();
    if (clean.length === 0) return;
    this.lines.push(clean);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}

/**
 * What sox said went wrong, in its own words, shortened for one line: the last `FAIL` line
 * without its "sox FAIL subsystem:" prefix (the message already names sox), plus ALSA's own
 * complaint when there is one, runs of spaces made one (sox writes ``open input  `bogus'``).
 */
export function soxComplaint(lines: readonly string[]): string | undefined {
  const fail = [...lines].reverse().find((l) => /\bFAIL\b/.test(l));
  const alsa = [...lines].reverse().find((l) => l.startsWith('ALSA lib'));
  const main = fail && oneSpaced(fail.replace(/^.*?\bFAIL\s+(?:[\w-]+:\s*)?/, ''));
  const alsaText = alsa && oneSpaced(alsa.replace(/^ALSA lib\s+\S+\s+(?:\([^)]*\)\s*)?/, ''));
  if (main && alsaText) return `${main} (ALSA: ${alsaText})`;
  if (main) return main;
  if (alsaText) return `ALSA: ${alsaText}`;
  const last = [...lines].reverse().find((l) => !/\bWARN\b/.test(l));
  return last && oneSpaced(last);
}

function oneSpaced(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
