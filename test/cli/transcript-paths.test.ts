/**
 * `--transcript` paths a new user got wrong, refused before any call (exit 2) in words: a
 * name longer than the file system allows (was the raw `ENAMETOOLONG`), a folder (was "cannot
 * tell the transcript format"), and a folder that takes no new files (/proc), said as
 * `calls show --out` says it. A file that is there keeps its mode and owner when the transcript
 * replaces it (a 600 file came back 644), and one kept read-only is refused, not replaced.
 * Through the built CLI and the built-in local agent.
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** Permission bits of `path` (through links), as `ls` shows them: `600`. */
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('a transcript file that is there already', () => {
  it('keeps its mode (600 stays 600) and its owner in every format, through a link too', async () => {
    const home = tempDir('omnia-tmode-');
    const names = ['p.md', 'p.txt', 'p.json', 'p.jsonl'];
    for (const name of names) {
      writeFileSync(join(home, name), 'private notes');
      chmodSync(join(home, name), 0o600);
    }
    writeFileSync(join(home, 'target.md'), 'private notes');
    chmodSync(join(home, 'target.md'), 0o640);
    symlinkSync('target.md', join(home, 'link.md'));
    // Root can give the file to someone else: the transcript must not take it back.
    const root = process.getuid?.() === 0;
    if (root) chownSync(join(home, 'p.md'), 65534, 65534);
    for (const name of [...names, 'link.md']) {
      const run = await runCli([...CALL, '--duration', '1', '--transcript', name], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      // Replaced by the call's final form (its summary), whatever was said in a second.
      expect(readFileSync(join(home, name), 'utf8'), name).toMatch(/Call lasted|"summary"/);
    }
    for (const name of names) expect(modeOf(join(home, name)), name).toBe('600');
    expect(modeOf(join(home, 'target.md'))).toBe('640');
    expect(lstatSync(join(home, 'link.md')).isSymbolicLink()).toBe(true);
    if (root) expect(statSync(join(home, 'p.md'))).toMatchObject({ uid: 65534, gid: 65534 });
  }, 90_000);

  it('kept read-only (444) is refused before the call, exit 2, and left as it was', async () => {
    const home = tempDir('omnia-tmode-');
    for (const name of ['ro.md', 'ro.txt', 'ro.wav']) {
      writeFileSync(join(home, name), 'keep me');
      chmodSync(join(home, name), 0o444);
    }
    for (const [flag, name, what] of [
      ['--transcript', 'ro.md', 'the transcript'],
      ['--transcript', 'ro.txt', 'the transcript'],
      ['--record', 'ro.wav', 'the recording'],
    ] as const) {
      const run = await runCli([...CALL, '--duration', '1', flag, name], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(run.code, `${name}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        `error: cannot write ${what} to ${name}: it is read-only (mode 444); make it writable (chmod u+w ${name}) to have it replaced, or give another file`,
      );
      expect(run.stdout, 'no call made').not.toContain('[call] connected');
      expect(readFileSync(join(home, name), 'utf8')).toBe('keep me');
      expect(modeOf(join(home, name))).toBe('444');
    }
  }, 60_000);
});
