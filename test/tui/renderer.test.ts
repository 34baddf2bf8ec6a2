/**
 * What the one-renderer UI promises, in a real terminal (tmux) against the local agent: after
 * a resize the screen is what a fresh start at that size draws; wide characters keep the pane
 * separator in its column; Space is a push-to-talk key you hold once the terminal reports key
 * releases (kitty keyboard protocol), and releases never act as presses.
 */
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { rms } from '../helpers/signal.js';
import { CALL_BYTES_PER_S, type CallFixture, loudToneWav, peak, startCall } from './fixtures.js';
import { isLive, killAllTuis, screenLines, startTui, type Tui, until } from './tmux.js';

const calls: CallFixture[] = [];
afterEach(async () => {
  await killAllTuis();
  await Promise.all(calls.splice(0).map((c) => c.agent.close()));
});

async function startApp(
  args: string[],
  width: number,
  height: number,
): Promise<{ tui: Tui; call: CallFixture }> {
  const call = await startCall();
  calls.push(call);
  const tui = await startTui({
    args: [...call.args, ...args],
    env: call.env(),
    cwd: call.home,
    width,
    height,
  });
  await tui.waitForScreen(isLive, 'the call to be live');
  return { tui, call };
}

/**
 * The greeting has played (the agent listens, its meter is back to silence), a round trip has
 * been measured, and the frame is whole: a large frame reaches tmux in pieces, and its last row
 * is the footer.
 */
function settled(screen: string): boolean {
  return (
    screen.includes('listening') &&
    // The round trip measured, where it is shown (at 40 columns it does not fit beside the
    // call's time, and is left out).
    (!/\brtt\b/.test(screen) || /rtt\s+\d/.test(screen)) &&
    /agent\s+·+\s+-∞ dB/.test(screen) &&
    /message\./.test(screen) &&
    (screenLines(screen).at(-1) ?? '').includes('q quit')
  );
}

/**
 * The screen with what differs between two calls masked: call ids, clocks, durations, round
 * trips. Everything else (layout, every other character) must be the same.
 */
function normalised(screen: string): string[] {
  return screenLines(screen).map((line) =>
    line
      .replace(/[0-9a-f]{8}-[0-9a-f-]*…?/g, '<id>')
      .replace(/\d+:\d\d/g, '<clock>')
      .replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
      .replace(/\d+s\b/g, '<time>'),
  );
}

describe('after a resize', () => {
  it('the screen equals a fresh start at the new size (60x18 → 40x12 → 200x50)', async () => {
    const args = ['--input', 'none', '--output', 'none'];
    const { tui } = await startApp(args, 60, 18);
    await tui.waitForScreen(settled, 'the greeting played');
    for (const [width, height] of [
      [40, 12],
      [200, 50],
    ] as const) {
      await tui.resize(width, height);
      const resized = await tui.waitForScreen(
        (s) => settled(s) && screenLines(s).length <= height,
        `the app redrawn at ${width}x${height}`,
      );
      const fresh = await startApp(args, width, height);
      const expected = await fresh.tui.waitForScreen(
        settled,
        `a fresh start at ${width}x${height}`,
      );
      expect(normalised(resized), `resized to ${width}x${height}`).toEqual(normalised(expected));
    }
  }, 90_000);
});

describe('wide characters', () => {
  it('CJK, a ZWJ family, flags and a skin-toned emoji keep the pane separator in one column', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none'], 100, 30);
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type(
      'family 👨‍👩‍👧 flags 🇫🇷🇯🇵 thumbs 👍🏽 and 中文字符 wrapping over the transcript pane edge please',
    );
    await tui.keys('Enter');
    // The message and the agent's echo of it: both hold the wide characters.
    const screen = await tui.waitForScreen(
      (s) => screenLines(s).filter((l) => l.includes('中')).length >= 2,
      'the answer',
    );
    // tmux (3.3) draws a skin-toned emoji 4 columns wide, where string-width (Ink's measure)
    // says 2: a row holding one overflowed, wrapped, and scrolled the header off the screen.
    expect(screenLines(screen)[0], screen).toMatch(/^omnia-voice/);
    const body = screenLines(screen).slice(1, -1);
    // The transcript pane is 61 columns wide at 100 columns; the side pane's rule follows it.
    for (const line of body) {
      const at = line.indexOf('│');
      if (at < 0) continue;
      expect(stringWidth(line.slice(0, at)), line).toBe(61);
    }
    // The message line draws what is typed the same way, while it is typed.
    await tui.keys('t');
    await tui.type('ok 👍🏽');
    const typing = await tui.waitForScreen((s) => /say: ok/.test(s), 'the typed line');
    expect(screenLines(typing)[0], typing).toMatch(/^omnia-voice/);
    await tui.keys('Escape');
    // Only the screen draws it without its tone: the message sent keeps it.
    const sent = call.agent.calls[0]?.clientMessages.find((m) => m.type === 'user_text_message');
    expect(JSON.stringify(sent)).toContain('👍🏽');
  }, 40_000);
});

/** The kitty keyboard protocol's key events, as a terminal that speaks it sends them. */
const KITTY = {
  spacePress: '\u001b[32;1:1u',
  spaceRepeat: '\u001b[32;1:2u',
  spaceRelease: '\u001b[32;1:3u',
  mPress: '\u001b[109;1:1u',
  mRelease: '\u001b[109;1:3u',
};

/** Waits for `seconds` more audio at the agent, then returns the latest `tailS` of it. */
async function nextAudio(call: CallFixture, seconds: number, tailS: number): Promise<Buffer> {
  const record = () => call.agent.calls[0];
  const want = (record()?.bytesReceived ?? 0) + Math.round(seconds * CALL_BYTES_PER_S);
  await until(() => (record()?.bytesReceived ?? 0) >= want, `${seconds} s more audio`);
  const audio = record()?.audio ?? Buffer.alloc(0);
  return audio.subarray(Math.max(0, audio.length - (Math.round(tailS * CALL_BYTES_PER_S) & ~1)));
}

describe('push-to-talk you hold', () => {
  it('holding Space talks, repeats change nothing, releasing stops; the footer says so', async () => {
    const wav = loudToneWav(tempDir('omnia-tui-wav-'));
    const { tui, call } = await startApp(
      ['--ptt', '--input', wav, '--output', 'none', '--no-echo-guard'],
      100,
      30,
    );
    expect(footer(await tui.capture())).toContain('talk on/off');
    expect(peak(await nextAudio(call, 0.5, 0.4))).toBe(0);

    await tui.type(KITTY.spacePress);
    await tui.waitForScreen((s) => s.includes('PTT: talking'), 'talking');
    for (let i = 0; i < 5; i++) await tui.type(KITTY.spaceRepeat);
    expect(rms(await nextAudio(call, 1, 0.5))).toBeGreaterThan(0.2);
    expect(await tui.capture()).toContain('PTT: talking');

    await tui.type(KITTY.spaceRelease);
    // The terminal reports releases: from now on Space is held, and the footer says so. (One
    // screen with the footer, not the first with 'PTT: off': a CI run caught a frame whose
    // footer row was not drawn yet.)
    await tui.waitForScreen(
      (s) => s.includes('PTT: off') && footer(s).includes('hold to talk'),
      'released, the footer saying hold to talk',
    );
    expect(peak(await nextAudio(call, 1, 0.5))).toBe(0);

    // Now a press talks whatever the state was (it no longer toggles)...
    await tui.type(KITTY.spacePress);
    await tui.waitForScreen((s) => s.includes('PTT: talking'), 'talking again');
    await tui.type(KITTY.spacePress);
    expect(await tui.capture()).toContain('PTT: talking');
    await tui.type(KITTY.spaceRelease);
    await tui.waitForScreen((s) => s.includes('PTT: off'), 'released again');

    // Space held, then the help opened over it: letting go still ends the talking.
    await tui.type(KITTY.spacePress);
    await tui.waitForScreen((s) => s.includes('PTT: talking'), 'talking, then the help');
    await tui.keys('?');
    await tui.waitForScreen((s) => s.includes('Esc'), 'the help');
    await tui.type(KITTY.spaceRelease);
    await tui.keys('Escape');
    await tui.waitForScreen((s) => s.includes('PTT: off'), 'released under the help');
    expect(peak(await nextAudio(call, 1, 0.5))).toBe(0);
  }, 60_000);

  it('a key release is not a second press: m pressed and released mutes once', async () => {
    const { tui } = await startApp(['--input', 'none', '--output', 'none'], 100, 30);
    await tui.type(KITTY.mPress);
    await tui.waitForScreen((s) => s.includes('MUTED'), 'muted');
    await tui.type(KITTY.mRelease);
    await new Promise((r) => setTimeout(r, 500));
    expect(await tui.capture()).toContain('MUTED');
    // A terminal without the protocol: plain keys toggle as before.
    await tui.keys('m');
    await tui.waitForScreen((s) => !s.includes('MUTED'), 'unmuted');
  }, 40_000);
});

function footer(screen: string): string {
  return screenLines(screen).findLast((l) => l.trim() !== '') ?? '';
}
