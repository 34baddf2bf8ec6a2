/**
 * A word the command line does not know: a call takes no words of its own, so a misspelt
 * command (`agentz`) is said to be one, with the closest command, in one line (exit 2), and
 * nothing is started. Through the built CLI, with a temporary HOME.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

async function run(args: string[]) {
  return runCli(args, { env: cliEnv(tempDir('omnia-unknown-command-')), timeoutMs: 20_000 });
}

describe('a word that is not a command', () => {
  it('agentz: unknown command, did you mean agents? (one line, exit 2, no call)', async () => {
    const result = await run(['agentz']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'agentz': did you mean agents?\n");
    expect(result.stdout).toBe('');
  });

  it('with call options around it, the word is still the unknown command', async () => {
    const result = await run(['--plain', 'voicse', '--input', 'none']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'voicse': did you mean voices?\n");
  });

  it('a word like no command says where the commands are listed', async () => {
    // `--prompt Be brief` unquoted leaves `brief` behind.
    const result = await run(['--prompt', 'Be', 'brief', '--plain']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown command 'brief': omnia-voice --help lists the commands (a call takes no words of its own: quote a value that has spaces)\n",
    );
  });

  it('calls shw: the closest of calls’ own commands', async () => {
    const result = await run(['calls', 'shw']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'shw': did you mean show?\n");
  });

  it('agentz --json: the word is the mistake, not the option it was given', async () => {
    const agentz = await run(['agentz', '--json']);
    expect(agentz.code).toBe(2);
    expect(agentz.stderr).toBe("error: unknown command 'agentz': did you mean agents?\n");
    const shw = await run(['calls', 'shw', '--bogus']);
    expect(shw.code).toBe(2);
    expect(shw.stderr).toBe("error: unknown command 'shw': did you mean show?\n");
  });

  it('an unknown option before a word is still the option', async () => {
    // The word may be the option's value: `--plian agents` is not a misspelt command.
    const result = await run(['--plian', 'agents']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown option '--plian': did you mean --plain?\n");
  });

  it('a misspelt option says its suggestion on the same line', async () => {
    const result = await run(['--durration', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown option '--durration': did you mean --duration?\n");
  });

  it.each([
    [['--plain=yes'], '--plain'],
    [['--no-echo-guard=1'], '--no-echo-guard'],
    [['agents', '--json=true'], '--json'],
    [['calls', 'show', 'c1', '--json=1'], '--json'],
  ])(
    '%j: a switch given a value says it takes none, not that it is unknown',
    async (args, flag) => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: ${flag} takes no value: give ${flag} alone, or leave it out\n`,
      );
      expect(result.stdout).toBe('');
    },
  );

  it('an option with a value still takes it after =, and one unknown is still unknown', async () => {
    const duration = await run(['--duration=abc']);
    expect(duration.stderr).toBe(
      'error: Invalid value for --duration: "abc". Allowed: a number of seconds above 0, at most 86400 (a day).\n',
    );
    const unknown = await run(['--bogus=1']);
    expect(unknown.stderr).toBe("error: unknown option '--bogus=1'\n");
  });
});
