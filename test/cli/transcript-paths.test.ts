/**
 * `--transcript` paths a new user got wrong, refused before any call (exit 2) in words: a
 * name longer than the file system allows (was the raw `ENAMETOOLONG`), a folder (was "cannot
 * tell the transcript format"), and a folder that takes no new files (/proc), said as
 * `calls show --out` says it. Through the built CLI and the built-in local agent.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--no-call-record'];
const LONG_NAME = `${'a'.repeat(300)}.md`;

/** A call with `--transcript path`: its exit code and the last line of stderr. */
async function refused(path: string, home = tempDir('omnia-tpath-')) {
  const run = await runCli([...CALL, '--duration', '1', '--transcript', path], {
    env: cliEnv(home),
    timeoutMs: 30_000,
  });
  return { code: run.code, line: run.stderr.trim().split('\n').at(-1) ?? '', home };
}

describe('--transcript refused in words, before any call', () => {
  it('a name over 255 bytes: longer than the file system allows, never ENAMETOOLONG', async () => {
    const { code, line, home } = await refused(LONG_NAME);
    expect(code).toBe(2);
    expect(line).toMatch(
      /^error: cannot write the transcript to a+…: the name is longer than the file system allows \(255 bytes\)$/,
    );
    expect(line).not.toContain('ENAMETOOLONG');
    // A folder on the way with such a name says which part is too long.
    const deep = await refused(join('x'.repeat(300), 'call.md'), home);
    expect(deep.line).toMatch(
      /: a folder name in the path is longer than the file system allows \(255 bytes\)$/,
    );
    expect(readdirSync(home).filter((name) => !name.startsWith('.'))).toEqual([]);
  }, 40_000);

  it('a folder (., a folder, a name ending in /) is said to be one, with the way to save into a folder', async () => {
    const home = tempDir('omnia-tpath-');
    mkdirSync(join(home, 'notes'));
    for (const [path, what, inside] of [
      ['.', 'it is a directory', 'call.md'],
      ['notes', 'it is a directory', 'notes/call.md'],
      [home, 'it is a directory', join(home, 'call.md')],
      ['later/', 'it names a folder (it ends in /)', 'later/call.md'],
    ] as const) {
      const { code, line } = await refused(path, home);
      expect(code, `${path}: ${line}`).toBe(2);
      expect(line).toBe(
        `error: cannot write the transcript to ${path}: ${what}; --transcript takes a file (${inside}, say). ` +
          `To save each call into a folder, use --save-transcripts with that folder as transcriptDir ` +
          `(omnia-voice config set transcriptDir ${path}, or OMNIA_TRANSCRIPT_DIR=${path})`,
      );
      expect(line).not.toContain('cannot tell the transcript format');
    }
  }, 60_000);

  it('/proc takes no new files or folders: said as every file error says it', async () => {
    const file = await refused('/proc/x.md');
    expect(file.code).toBe(2);
    // Not root: the kernel may say EACCES first.
    expect(file.line).toMatch(
      /^error: cannot write the transcript to \/proc\/x\.md: (the folder \/proc takes no new files|permission denied)$/,
    );
    const folder = await refused('/proc/omnia-nodir/x.md');
    expect(folder.code).toBe(2);
    expect(folder.line).toBe(
      'error: cannot write the transcript to /proc/omnia-nodir/x.md: the folder /proc/omnia-nodir cannot be made there (/proc takes no new folders)',
    );
  }, 40_000);
});
