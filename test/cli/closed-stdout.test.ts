/**
 * `omnia-voice --plain | head -3`: the reader of stdout stops reading mid-call. The call used to
 * end with the process at once (exit 0, no hang-up, no summary, the transcript file left as it
 * was, empty for .txt). Now it ends as a stop ends it: hung up, the summary on stderr, the file
 * in its final form. Through the built CLI and the built-in local agent.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, cliEnv, startCli, tempDir, waitFor } from '../helpers/cli.js';

describe('stdout closed under a plain call', () => {
  it('hangs up and ends the call whole: summary on stderr, transcript in its final form', async () => {
    const home = tempDir('omnia-closed-stdout-');
    const transcript = join(home, 'call.txt');
    const run = startCli(
      [
        '--plain',
        '-v',
        '--input',
        'none',
        '--output',
        'none',
        '--duration',
        '30',
        '--transcript',
        transcript,
      ],
      { env: cliEnv(home) },
    );
    // The greeting under way first (`-v`'s level line, once a second, with its audio queued):
    // closed at once, on a busy machine the hang-up came before the agent had said a word, and
    // the transcript had no agent turn to check.
    await waitFor(() => /^\[level\] .* queued [1-9]/m.test(run.output().stdout), {
      what: 'the greeting under way',
    });
    // The reader goes away, as `head` does once it has its lines.
    run.child.stdout?.destroy();
    const code = await new Promise<number | null>((resolve) => run.child.on('close', resolve));
    const { stderr } = run.output();
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^Ended: stdout was closed$/m);
    // Hung up, not dropped: the server's record says the caller hung up.
    expect(stderr).toMatch(/^Server end reason: the caller hung up \(user_hangup\)$/m);
    const file = readFileSync(transcript, 'utf8');
    expect(file).toMatch(/^Ended: stdout was closed$/m);
    expect(file).toMatch(/^Agent: /m);
  }, 40_000);

  it('with stderr in the same pipe (`2>&1 | head -1`): the same end, exit 0, no error', () => {
    const home = tempDir('omnia-closed-both-');
    const transcript = join(home, 'call.txt');
    const args = ['--plain', '--input', 'none', '--output', 'none', '--duration', '30'];
    // The shell reports the app's own exit code after head has gone.
    const run = spawnSync(
      'bash',
      [
        '-c',
        `"$0" "${CLI_PATH}" "$@" --transcript "${transcript}" 2>&1 | head -1; echo "app exit \${PIPESTATUS[0]}" >&2`,
        process.execPath,
        ...args,
      ],
      { env: cliEnv(home), cwd: home, encoding: 'utf8', timeout: 30_000 },
    );
    // The summary could not be written anywhere: that is no error, and not a fatal one.
    expect(run.stderr.trim()).toBe('app exit 0');
    const file = readFileSync(transcript, 'utf8');
    expect(file).toMatch(/^Ended: stdout was closed$/m);
  }, 40_000);
});
