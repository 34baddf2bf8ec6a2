/**
 * The agent's first words play while the full-screen UI loads and draws its first frame, which
 * holds the app's event loop for longer than the output device's lead. The greeting must still
 * be heard whole: the output WAV (a device on the real clock) holds the tone voice's beeps with
 * every beep and every pause between them at their own length.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { TONE_BEEP_MS, TONE_GAP_MS } from '../../source/local-agent/audio.js';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

/**
 * Loud and silent stretches of s16le mono in 1 ms windows (loud: a sample above 1 % of full
 * scale), in ms, from the first loud window on.
 */
function stretches(data: Buffer, rate: number): { loud: boolean; ms: number }[] {
  const win = Math.round(rate / 1000);
  const out: { loud: boolean; ms: number }[] = [];
  let loud: boolean | undefined;
  for (let w = 0; (w + 1) * win * 2 <= data.length; w++) {
    let peak = 0;
    for (let i = w * win; i < (w + 1) * win; i++)
      peak = Math.max(peak, Math.abs(data.readInt16LE(i * 2)));
    const now = peak > 328;
    if (loud === undefined && !now) continue;
    const last = out.at(-1);
    if (now === loud && last) last.ms++;
    else out.push({ loud: now, ms: 1 });
    loud = now;
  }
  return out;
}

describe('the greeting while the full-screen UI loads', () => {
  it('is heard whole: every beep and every pause at its length', async () => {
    call = await startCall();
    const output = join(call.home, 'heard.wav');
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', output],
      env: call.env(),
      cwd: call.home,
      wrapInShell: true,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    // The greeting is a dozen words, a beep and a pause each: about 2.5 s.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await tui.keys('q');
    const after = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(after).toMatch(/^EXITED:0$/m);
    const wav = parseWav(readFileSync(output));
    const parts = stretches(wav.data, wav.sampleRate);
    // The greeting's beeps: the loud stretches before the first long silence.
    const end = parts.findIndex((p) => !p.loud && p.ms > TONE_GAP_MS * 3);
    const greeting = end < 0 ? parts : parts.slice(0, end);
    const beeps = greeting.filter((p) => p.loud).map((p) => Math.round(p.ms));
    const pauses = greeting.filter((p) => !p.loud).map((p) => Math.round(p.ms));
    expect(beeps.length, `beeps ${beeps} pauses ${pauses}`).toBeGreaterThanOrEqual(8);
    // To the 1 ms window, give or take one (the window's phase against the beep's fade): a
    // hole inside a beep would split it, one in a pause would lengthen it.
    for (const ms of beeps)
      expect(Math.abs(ms - TONE_BEEP_MS), `beeps ${beeps} pauses ${pauses}`).toBeLessThanOrEqual(2);
    for (const ms of pauses)
      expect(Math.abs(ms - TONE_GAP_MS), `pauses ${pauses}`).toBeLessThanOrEqual(2);
  }, 60_000);
});
