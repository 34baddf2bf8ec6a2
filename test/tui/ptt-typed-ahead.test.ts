/**
 * Push-to-talk and keys typed ahead, in a real terminal (tmux) against the local agent: a Space
 * typed while the app starts waits in the terminal and was read once the call was live, so it
 * opened the mic at a moment nobody chose (a new-user trial, 2026-12). It opens nothing and
 * says so; a press once the screen reads keys talks at once.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPED_AHEAD } from '../../source/ui/hooks/useCallCommands.js';
import { tempDir } from '../helpers/cli.js';
import { rms } from '../helpers/signal.js';
import { CALL_BYTES_PER_S, type CallFixture, loudToneWav, peak, startCall } from './fixtures.js';
import { isLive, killAllTuis, startTui, type Tui, until } from './tmux.js';

const run = promisify(execFile);

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

/** Said for a Space read before the call is up (the UI came up while it connected). */
const NOT_CONNECTED = 'not connected yet: Space talks once the call is live';

/** Waits for `seconds` more audio at the agent, then returns the latest `tailS` of it. */
async function nextAudio(fixture: CallFixture, seconds: number, tailS: number): Promise<Buffer> {
  const record = () => fixture.agent.calls[0];
  const want = (record()?.bytesReceived ?? 0) + Math.round(seconds * CALL_BYTES_PER_S);
  await until(() => (record()?.bytesReceived ?? 0) >= want, `${seconds} s more audio`);
  const audio = record()?.audio ?? Buffer.alloc(0);
  return audio.subarray(Math.max(0, audio.length - (Math.round(tailS * CALL_BYTES_PER_S) & ~1)));
}

/** The pane's terminal is in raw mode: the app has it, and keys wait there for the UI. */
async function rawMode(tui: Tui): Promise<boolean> {
  const tmux = ['-L', tui.socket, 'display-message', '-p', '-t', '0', '#{pane_tty}'];
  const { stdout: tty } = await run('tmux', tmux);
  const { stdout } = await run('stty', ['-F', tty.trim(), '-a']);
  return /(?:^|\s)-icanon(?:\s|$)/.test(stdout);
}

describe('push-to-talk typed ahead', () => {
  it.each([
    ['as the app starts', false],
    ['once the app holds the terminal, before the first frame', true],
  ])(
    'a Space typed %s opens no mic once the call is live; it says so, and Space then talks',
    async (_when, afterRaw) => {
      call = await startCall();
      const fixture = call;
      const wav = loudToneWav(tempDir('omnia-tui-wav-'));
      const tui = await startTui({
        args: [...fixture.args, '--ptt', '--input', wav, '--output', 'none', '--no-echo-guard'],
        env: fixture.env(),
        cwd: fixture.home,
      });
      if (afterRaw) {
        const deadline = Date.now() + 20_000;
        while (!(await rawMode(tui))) {
          if (Date.now() > deadline) throw new Error('timed out waiting for raw mode');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await tui.keys('Space');
      // What this test is about: the key went before the screen showed anything of the call.
      expect(await tui.capture()).not.toContain('q quit');

      await tui.waitForScreen(isLive, 'the call to be live');
      // Said, in place of a mic opened: the press came before the call showed live (the UI loads
      // once the call's socket is open, so it is live by the UI's first read; on a machine so busy
      // that dialing outlasted the UI's load, the call was still connecting then, and that is said).
      const said = await tui.waitForScreen(
        (s) => s.includes(TYPED_AHEAD) || s.includes(NOT_CONNECTED),
        'why Space opened nothing',
      );
      expect(said).toContain('PTT: off');
      expect(said).not.toContain('PTT: talking');
      // The agent hears nothing of the loud input: the mic stayed closed.
      expect(peak(await nextAudio(fixture, 1, 0.9))).toBe(0);
      await tui.keys('d');
      const events = await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
      expect(events).not.toContain('push-to-talk: mic');

      // The screen reads keys now (the events pane opened): a press talks at once, as before.
      await tui.keys('Space');
      await tui.waitForScreen((s) => s.includes('PTT: talking'), 'talking');
      expect(rms(await nextAudio(fixture, 1, 0.5))).toBeGreaterThan(0.2);
      await tui.keys('Space');
      await tui.waitForScreen((s) => s.includes('PTT: off'), 'talking stopped');
    },
    60_000,
  );
});
