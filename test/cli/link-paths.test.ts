/**
 * An output WAV, a `--record` or a `--transcript` path that is a symbolic link to a file not
 * made yet: the link is followed (docs/transcripts.md) and its target made, the link left as it
 * was. Where the target cannot be made, the refusal (exit 2, one line, before any call) says the
 * true reason: the target's folder is missing, or the links go round in a loop. They were all
 * refused with "part of the path is a file, not a directory". Through the built CLI and the
 * built-in local agent.
 */
import { lstatSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--no-call-record'];

describe('a path that is a link to a file not made yet', () => {
  it('--transcript, --record and --output write through the link; the links stay links', async () => {
    const home = tempDir('omnia-dangling-');
    const links: Array<[string, string]> = [
      ['call.md', 'call-target.md'],
      ['call.txt', join(home, 'call-target.txt')],
      ['rec.wav', 'rec-target.wav'],
      ['agent.wav', 'agent-target.wav'],
    ];
    for (const [link, target] of links) symlinkSync(target, join(home, link));
    for (const transcript of ['call.md', 'call.txt']) {
      const run = await runCli(
        [
          ...CALL,
          ...['--duration', '2', '--transcript', transcript],
          ...['--record', 'rec.wav', '--output', 'agent.wav'],
        ],
        { env: cliEnv(home), timeoutMs: 30_000 },
      );
      expect(run.code, run.stderr).toBe(0);
    }
    for (const [link, target] of links) {
      expect(lstatSync(join(home, link)).isSymbolicLink(), link).toBe(true);
      expect(readlinkSync(join(home, link)), link).toBe(target);
    }
    expect(readFileSync(join(home, 'call-target.md'), 'utf8')).toMatch(/^- Call lasted/m);
    expect(readFileSync(join(home, 'call-target.txt'), 'utf8')).toMatch(/^Call lasted/m);
    expect(parseWav(readFileSync(join(home, 'rec-target.wav'))).channels).toBe(2);
    expect(parseWav(readFileSync(join(home, 'agent-target.wav'))).channels).toBe(1);
  }, 60_000);

  it('is refused with the true reason when its target cannot be made, before any call', async () => {
    const home = tempDir('omnia-dangling-bad-');
    writeFileSync(join(home, 'afile'), 'a file where a folder should be');
    symlinkSync('missing/call.md', join(home, 'nofolder.md'));
    symlinkSync('afile/rec.wav', join(home, 'underfile.wav'));
    symlinkSync('loop-b.wav', join(home, 'loop-a.wav'));
    symlinkSync('loop-a.wav', join(home, 'loop-b.wav'));
    symlinkSync('same-target.wav', join(home, 'same.wav'));
    const cases: Array<[string[], string]> = [
      [
        ['--transcript', 'nofolder.md'],
        `cannot write the transcript to nofolder.md: it is a link to ${home}/missing/call.md, and ${home}/missing does not exist`,
      ],
      [
        ['--record', 'underfile.wav'],
        `cannot write the recording to underfile.wav: it is a link to ${home}/afile/rec.wav, and part of that path is a file, not a directory`,
      ],
      [
        ['--output', 'loop-a.wav'],
        "cannot write the agent's audio to loop-a.wav: it is a link in a loop of links, which lead to no file",
      ],
      // The link and its target are one file.
      [
        ['--output', 'same.wav', '--record', 'same-target.wav'],
        '--output and --record name the same file (same-target.wav): one would be written over by the other; pick another file for one of them',
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([...CALL, '--output', 'none', ...args], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(' ')).toBe(`error: ${message}\n`);
    }
  }, 60_000);
});
