/**
 * `omnia-voice help [command]`, as git and npm take it: a trial typed `help calls` and got
 * `unknown command 'help'`. Through the built CLI, with a temporary HOME.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

async function run(args: string[]) {
  return runCli(args, { env: cliEnv(tempDir('omnia-help-command-')), timeoutMs: 20_000 });
}

describe('omnia-voice help', () => {
  it('help calls prints what calls --help prints (exit 0); help alone the main help', async () => {
    const help = await run(['help', 'calls']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stderr).toBe('');
    const flag = await run(['calls', '--help']);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toMatch(/^Usage: omnia-voice calls /);
    const main = await run(['help']);
    expect(main.code, main.stderr).toBe(0);
    expect(main.stdout).toBe((await run(['--help'])).stdout);
    expect(main.stdout).toMatch(/^\s+help \[command\] +display help for command$/m);
  });

  it("help of a subcommand prints that subcommand's help (help calls show, help serial list)", async () => {
    for (const path of [
      ['calls', 'show'],
      ['serial', 'list'],
      ['agents', 'show'],
    ]) {
      const help = await run(['help', ...path]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stderr).toBe('');
      expect(help.stdout).toBe((await run([...path, '--help'])).stdout);
      expect(help.stdout).toMatch(new RegExp(`^Usage: omnia-voice ${path.join(' ')} `));
    }
  });

  it('help of a command there is none of is refused as that command is (exit 2)', async () => {
    const result = await run(['help', 'agentz']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'agentz': did you mean agents?\n");
    expect(result.stdout).toBe('');
  });
});
