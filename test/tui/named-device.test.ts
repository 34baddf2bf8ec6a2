/**
 * The full screen with a named audio device: one ALSA does not have is refused before the call
 * (the screen used to open on a live call with `NO MIC: sending silence`, billed); one the
 * user's ~/.asoundrc defines is called with, its mic heard. Against the local agent, in a real
 * terminal (tmux).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

/** `infile`: an ALSA capture device that reads zeros (a file device: no sound card here). */
function withFileMic(home: string): void {
  writeFileSync(
    join(home, '.asoundrc'),
    'pcm.infile { type file slave.pcm "null" file "/dev/null" infile "/dev/zero" format "raw" }\n',
  );
}

describe('the full screen with a named mic', () => {
  it('that does not exist: no call, exit 2, the line that says so and the way out', async () => {
    call = await startCall();
    withFileMic(call.home);
    const tui = await startTui({
      args: [...call.args, '--input', 'mic:nosuchdev', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
      wrapInShell: true,
    });
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to end');
    expect(end).toMatch(/^EXITED:2$/m);
    expect(end.replace(/\n/g, '')).toContain(
      'error: --input mic:nosuchdev: there is no capture device "nosuchdev" (ALSA knows no device of that name); omnia-voice devices lists the ones there are: use one of them, or --input none for a call without a mic',
    );
    expect(end).not.toContain('NO MIC');
    expect(call.agent.calls).toHaveLength(0);
  }, 30_000);

  it('that exists: the call goes on with it', async () => {
    call = await startCall();
    withFileMic(call.home);
    const tui = await startTui({
      args: [...call.args, '--input', 'mic:infile', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    // A mic that failed says so within a moment of the call's start: the greeting is longer.
    const screen = await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    expect(screen).not.toContain('NO MIC');
    expect(call.agent.calls).toHaveLength(1);
  }, 30_000);
});
