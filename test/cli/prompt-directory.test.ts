/**
 * `--prompt` naming a directory: it is there, so "no prompt file" was untrue, and a bare folder
 * name (`--prompt prompts`) became the prompt's text. Both are refused before any call, in one
 * line that says it is a directory (exit 2). Through the built CLI and the built-in local agent.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--duration', '2'];
const VOICE = ['--voice', 'Alex', '--language', 'en-us'];

describe('--prompt naming a directory', () => {
  it('is refused as a directory, by its path or by a bare name, and no call is made', async () => {
    const home = tempDir('omnia-prompt-dir-');
    mkdirSync(join(home, 'dir.wav'));
    mkdirSync(join(home, 'prompts'));
    for (const value of [join(home, 'dir.wav'), 'prompts']) {
      const run = await runCli([...CALL, '--prompt', value, ...VOICE], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `error: --prompt ${JSON.stringify(value)} is a directory: give a prompt file in it, or the prompt text in quotes.\n`,
      );
      expect(run.stdout).not.toContain('[call] connected');
    }
  }, 60_000);

  it('is refused before the local agent starts: the error is the only line, as for a missing file', async () => {
    const home = tempDir('omnia-prompt-first-');
    mkdirSync(join(home, 'prompts'));
    for (const [value, error] of [
      ['prompts', '--prompt "prompts" is a directory'],
      ['missing.md', 'No prompt file "missing.md"'],
    ] as const) {
      const run = await runCli([...CALL, '--prompt', value, ...VOICE], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`error: ${error}`);
      expect(run.stderr).not.toContain('local agent');
    }
  }, 60_000);
});
