/**
 * The full-screen UI as a user sees it in a real terminal (tmux): what is on screen, the events
 * pane, the help overlay, resizing, and colours.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { GREETING_TEXT } from '../../source/local-agent/script.js';
import { helpRows } from '../../source/ui/keymap.js';
import { type CallFixture, startCall, startHoldingProxy } from './fixtures.js';
import { isLive, killAllTuis, screenLines, startTui, type Tui, until } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

async function startApp(
  options: {
    width?: number;
    height?: number;
    env?: Record<string, string>;
    args?: readonly string[];
  } = {},
): Promise<Tui> {
  call = await startCall();
  const tui = await startTui({
    args: [...call.args, ...(options.args ?? []), '--input', 'none', '--output', 'none'],
    env: call.env(options.env),
    cwd: call.home,
    width: options.width,
    height: options.height,
  });
  await tui.waitForScreen(isLive, 'the call to be live');
  return tui;
}

/** The transcript's words in reading order, whatever the wrapping. */
function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/**
 * The transcript region only: left of the side pane's rule, or above the bottom pane's rule
 * (without the header row).
 */
function transcriptText(screen: string): string {
  const lines = screenLines(screen).slice(1);
  const rule = lines.findIndex((l) => /^─{20,}$/.test(l.trim()));
  const region = rule >= 0 ? lines.slice(0, rule) : lines;
  return region.map((l) => l.split('│')[0] ?? '').join('\n');
}

/** True when the greeting can be read whole on screen, possibly wrapped over several rows. */
function showsWholeGreeting(screen: string): boolean {
  const flat = words(transcriptText(screen)).join(' ');
  return flat.includes(words(GREETING_TEXT).join(' '));
}

/** The last row with something on it (the UI leaves the terminal's last row empty). */
function footerOf(screen: string): string {
  return screenLines(screen).findLast((l) => l.trim() !== '') ?? '';
}

/** Every row fits the terminal and the screen has no more rows than the terminal. */
function expectFits(screen: string, width: number, height: number): void {
  const lines = screenLines(screen);
  expect(lines.length).toBeLessThanOrEqual(height);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(width);
}

/**
 * Each frame replaced the previous one exactly: one header, one row per call fact. A frame drawn
 * a row too low leaves the previous frame's rows behind (two headers, two `time` rows).
 */
function expectNoStaleRows(screen: string): void {
  const count = (re: RegExp) => screenLines(screen).filter((l) => re.test(l)).length;
  expect(count(/^omnia-voice · /), screen).toBe(1);
  for (const label of ['time', 'queued', 'in', 'out']) {
    expect(count(new RegExp(`(^|│)${label}\\s{2,}`)), `${label} in\n${screen}`).toBeLessThanOrEqual(
      1,
    );
  }
  expect(count(/q quit/), screen).toBe(1);
}

/**
 * A capture of a whole frame. Ink writes a frame as "erase the last one, write the new one", and
 * tmux 3.3 does not honour the synchronized-output mode Ink wraps it in: a capture taken while
 * tmux has read only part of that write shows the new frame's upper rows over blank lower ones,
 * without the footer. Such a capture is taken again: tmux has the rest of the write within a
 * millisecond, so a footer still missing 60 ms later is the app's.
 */
async function wholeFrame(tui: Tui): Promise<string> {
  let screen = await tui.capture();
  for (let retry = 0; retry < 3 && !/q quit/.test(screen); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    screen = await tui.capture();
  }
  return screen;
}

/** The side pane is drawn as a vertical rule; the bottom pane sits under a horizontal rule. */
function layoutOf(screen: string): 'side' | 'bottom' | 'unknown' {
  const lines = screenLines(screen);
  const ruled = lines.filter((l) => /^─{20,}$/.test(l.trim())).length;
  const sideRows = lines.filter((l) => /\S\s*│|^\s+│/.test(l)).length;
  if (ruled > 0) return 'bottom';
  if (sideRows >= 10) return 'side';
  return 'unknown';
}

describe('the full-screen UI in a real terminal', () => {
  it('shows the greeting, the agent state, meters, call facts and the footer keys', async () => {
    const tui = await startApp();
    // While the greeting plays the agent is speaking and its meter moves.
    const speaking = await tui.waitForScreen(
      (s) => /speaking/.test(s) && /agent\s+█/.test(s),
      'the agent speaking with a moving meter',
    );
    expect(speaking).toMatch(/(^|│)mic\s+[·█│]+\s+-∞ dB/m);
    expect(speaking).toMatch(/omnia-voice/);
    // Then it is done and listens, with the whole greeting in the transcript.
    const screen = await tui.waitForScreen(
      (s) => s.includes('listening') && showsWholeGreeting(s),
      'the greeting and the listening state',
    );
    expect(screen).toMatch(/^Agent\s+Hello!/m);
    const callId = call?.agent.calls[0]?.id ?? 'missing';
    expect(screen).toContain(callId.slice(0, 8));
    expect(screen).toMatch(/agent\s+.*demo/);
    expect(screen).toMatch(/in\s+none \(silence\) · 48 kHz/);
    expect(screen).toMatch(/out\s+no audio output · 48 kHz/);
    expect(screen).toMatch(/rtt\s+\d+ ms/);
    expect(screen).toMatch(/mic live/);
    const footer = footerOf(screen);
    for (const hint of ['m mute', 'i interrupt', 't type', 's save', 'd events', '? help'])
      expect(footer).toContain(hint);
    expect(footer).toContain('q quit');
    expectFits(screen, 100, 30);
    expectNoStaleRows(speaking);
    expectNoStaleRows(screen);
  }, 40_000);

  it('draws the call being created while a slow server answers, then the live call', async () => {
    call = await startCall();
    const proxy = await startHoldingProxy(call.agent.port);
    try {
      // The REST answer is held (the socket URL it gives goes to the agent directly): the UI
      // loads while the app waits on the network, and says what it is waiting for.
      proxy.holdReplies();
      const tui = await startTui({
        args: [
          '--api-base',
          proxy.baseUrl,
          '--agent',
          'demo',
          '--input',
          'none',
          '--output',
          'none',
        ],
        env: call.env(),
        cwd: call.home,
      });
      const waiting = await tui.waitForScreen(
        (s) => s.includes('creating call'),
        'the UI while the call is being created',
        10_000,
      );
      expect(isLive(waiting)).toBe(false);
      // The header names the agent asked for while its call is being created.
      expect(screenLines(waiting)[0]).toMatch(/^omnia-voice · demo /);
      // r while the call is being created makes no second call, and says why.
      await tui.keys('r');
      await tui.waitForScreen(
        (s) => s.includes('already calling: r calls again once this call is on'),
        'what r does while the call is being created',
      );
      proxy.releaseReplies();
      await tui.waitForScreen(isLive, 'the call to be live');
      expect(call.agent.calls).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 40_000);

  it("without styles (FORCE_COLOR=0) the message line shows the terminal's own cursor where the edit is", async () => {
    const tui = await startApp({ width: 100, height: 30, env: { FORCE_COLOR: '0' } });
    const cursor = () => {
      const out = spawnSync(
        'tmux',
        ['-L', tui.socket, 'display', '-p', '-t', '0', '#{cursor_flag},#{cursor_x},#{cursor_y}'],
        { encoding: 'utf8' },
      );
      return out.stdout.trim();
    };
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say: type a message'), 'the message line');
    await tui.type('hello');
    await tui.keys('Left', 'Left');
    // No inverse cell can show where the next letter goes: the terminal's cursor does, on the
    // last row, after "say: hel".
    await until(() => cursor() === '1,8,29', `the cursor at the edit (it is ${cursor()})`);
    // Closed, the line gives the cursor up: hidden again.
    await tui.keys('Escape');
    await until(() => cursor().startsWith('0,'), `the cursor hidden (it is ${cursor()})`);
  }, 40_000);

  it('d shows and hides the events pane', async () => {
    const tui = await startApp();
    expect(await tui.capture()).not.toMatch(/Events \(\d+\)/);
    await tui.keys('d');
    const shown = await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    expect(shown).toMatch(/call started/);
    expect(shown).toMatch(/connected/);
    await tui.keys('d');
    await tui.waitForScreen((s) => !/Events \(\d+\)/.test(s), 'the events pane to close');
  }, 40_000);

  it('a serial device that cannot be opened is on the banner, not only in the events', async () => {
    const tui = await startApp({ env: { OMNIA_SERIAL: '/dev/omnia-no-such-tty' } });
    const screen = await tui.waitForScreen(
      (s) => s.includes('✖ serial control off: serial device /dev/omnia-no-such-tty'),
      'the serial banner',
    );
    // The call goes on: serial control is extra.
    expect(isLive(screen)).toBe(true);
  }, 40_000);

  it('? shows the help generated from the keymap and Esc closes it', async () => {
    const tui = await startApp();
    await tui.keys('?');
    const help = await tui.waitForScreen(
      (s) => s.includes(helpRows()[0]?.description ?? '?'),
      'the help overlay',
    );
    // Every binding of the keymap is listed, with its keys and what it does.
    for (const row of helpRows()) {
      expect(help).toContain(row.description);
      const line = screenLines(help).find((l) => l.includes(row.description)) ?? '';
      expect(line).toContain(row.keys);
    }
    expectFits(help, 100, 30);
    await tui.keys('Escape');
    const after = await tui.waitForScreen(
      (s) => !s.includes(helpRows()[0]?.description ?? '?') && isLive(s),
      'the help to close',
    );
    expect(after).toMatch(/^Agent\s+Hello!/m);
  }, 40_000);

  it("the help's Space row says what Space does in this run only", async () => {
    for (const ptt of [true, false]) {
      const tui = await startApp(ptt ? { args: ['--ptt'] } : {});
      await tui.keys('?');
      const help = await tui.waitForScreen((s) => s.includes('? or Esc to close'), 'the help');
      const space = screenLines(help).find((l) => l.startsWith('Space')) ?? '';
      // With --ptt given, no "(with --ptt)" that reads as a condition still to meet; without
      // it, that Space does nothing here and how to have it, as pressing it says.
      expect(space).toMatch(
        ptt
          ? /^Space\s+push-to-talk: press to talk, press again to stop$/
          : /^Space\s+push-to-talk is off: start with --ptt to talk with Space$/,
      );
      await killAllTuis();
      await call?.agent.close();
      call = undefined;
    }
  }, 60_000);

  it('with the help open the footer says how to close it, as the help does', async () => {
    const tui = await startApp();
    await tui.keys('?');
    const help = await tui.waitForScreen((s) => s.includes('? or Esc to close'), 'the help');
    // What closes the help, in the order its title says it, not `? help`.
    expect(footerOf(help)).toBe('?/Esc close · q quit');
    await tui.keys('Escape');
    const closed = await tui.waitForScreen((s) => !s.includes('? or Esc to close'), 'closed');
    expect(footerOf(closed)).toContain('? help');
  }, 40_000);

  it('a reply still streaming ends with one …, also when its text ends with one', async () => {
    const tui = await startApp();
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    // Over 200 characters: the local agent's echo of it is cut there, with a `…` of its own.
    const long = Array.from({ length: 40 }, (_, i) => `word${String(i + 1).padStart(3, '0')}`);
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type(long.join(' '));
    await tui.keys('Enter');
    // The whole cut text is in, and the turn still streams (its audio still plays).
    const screen = await tui.waitForScreen(
      (s) => /word\d{3}…/.test(transcriptText(s)) && /speaking/.test(s),
      'the reply cut at 200 characters, still streaming',
    );
    const text = transcriptText(screen);
    expect(text).not.toMatch(/…\s*…/);
    expect(text).toMatch(/word\d{3}…\s*$/m);
    // Once final, the text's own mark stays, and nothing is added to it.
    const final = await tui.waitForScreen((s) => s.includes('listening'), 'the reply to end');
    expect(transcriptText(final)).toMatch(/word\d{3}…\s*$/m);
  }, 40_000);

  it('moves the meters, spinner and clock in place between frames, never over other panes', async () => {
    const tui = await startApp();
    await tui.waitForScreen((s) => /speaking/.test(s), 'the agent speaking');
    const meter = /(?:^|│)agent\s+([█·│]+\s+(?:-\d+|-∞) dB)/m;
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const screen = await wholeFrame(tui);
      if (!/speaking/.test(screen)) break;
      const row = meter.exec(screen)?.[1];
      if (row) seen.add(row);
      // Rows painted in place land on their own rows only.
      expectNoStaleRows(screen);
      expect(transcriptText(screen), screen).not.toMatch(/[█·]{3,}|dB/);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    // The meter shows the greeting as it plays...
    expect([...seen].some((row) => row.includes('█'))).toBe(true);
    // ...and falls back to silence once it has played.
    const before = await tui.waitForScreen(
      (s) => s.includes('listening') && /(?:^|│)agent\s+[·│]+\s+-∞ dB/m.test(s),
      'listening, the agent meter at silence',
    );
    // Nothing else changes while the agent listens, yet the call clock ticks.
    const clock = (s: string) => / live (\d+:\d\d)/.exec(s)?.[1];
    await tui.waitForScreen(
      (s) => clock(s) !== undefined && clock(s) !== clock(before),
      'the call clock to tick',
    );
    // The help overlay hides the side pane: no meter may be painted over it.
    await tui.keys('?');
    await tui.waitForScreen((s) => s.includes(helpRows()[0]?.description ?? '?'), 'the help');
    for (let i = 0; i < 5; i++) {
      expect(await tui.capture()).not.toMatch(meter);
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }, 40_000);

  it('scrolls the transcript back with PgUp and follows the newest turn again with End', async () => {
    const tui = await startApp({ width: 80, height: 15 });
    await tui.waitForScreen(showsWholeGreeting, 'the greeting');
    for (const text of ['first message', 'second message', 'third message']) {
      await tui.keys('t');
      await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
      await tui.type(text);
      await tui.keys('Enter');
      await tui.waitForScreen((s) => s.includes(`You typed: ${text}`), `the answer to ${text}`);
    }
    // Six rows of transcript: the greeting has scrolled out of view.
    const following = await tui.capture();
    expect(transcriptText(following)).not.toContain('Hello!');
    await tui.keys('PPage');
    const back = await tui.waitForScreen(
      (s) => transcriptText(s).includes('Hello!') && /↓ \d+ more · End to follow/.test(s),
      'the start of the call, and how much is below',
    );
    expect(transcriptText(back)).not.toContain('You typed: third message');
    expectNoStaleRows(back);
    await tui.keys('End');
    await tui.waitForScreen(
      (s) => transcriptText(s).includes('You typed: third message') && !/more · End/.test(s),
      'the newest turn again',
    );
  }, 40_000);

  it('re-lays out on resize: bottom pane when narrow, side pane when wide, nothing overflows', async () => {
    const tui = await startApp({ width: 100, height: 30 });
    const wide = await tui.waitForScreen(showsWholeGreeting, 'the greeting at 100x30');
    expect(layoutOf(wide)).toBe('side');
    expectFits(wide, 100, 30);

    await tui.resize(80, 24);
    const narrow = await tui.waitForScreen(
      (s) => layoutOf(s) === 'bottom' && showsWholeGreeting(s) && isLive(s),
      'the bottom-pane layout at 80x24',
    );
    expectFits(narrow, 80, 24);
    expectNoStaleRows(narrow);
    // The footer is whole, not cut at the right edge.
    expect(footerOf(narrow)).toMatch(/q quit$/);

    await tui.resize(140, 40);
    const wider = await tui.waitForScreen(
      (s) => layoutOf(s) === 'side' && showsWholeGreeting(s) && isLive(s),
      'the side-pane layout at 140x40',
    );
    expectFits(wider, 140, 40);
    expectNoStaleRows(wider);
    expect(footerOf(wider)).toMatch(/q quit$/);
    // A wider transcript needs fewer rows for the same greeting.
    const rowsOf = (s: string) => screenLines(s).filter((l) => /Hello!|type a message/.test(l));
    expect(rowsOf(wider).length).toBeLessThanOrEqual(rowsOf(narrow).length);
  }, 40_000);
});

/** SGR parameters that set a foreground or background colour. */
function colourCodes(screen: string): string[] {
  const found: string[] = [];
  for (const match of screen.matchAll(/\u001b\[([0-9;]*)m/g)) {
    const params = (match[1] ?? '').split(';').map(Number);
    for (const p of params) {
      if ((p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 107)) {
        found.push(match[0]);
        break;
      }
    }
  }
  return found;
}

describe('colours', () => {
  it('are drawn by default', async () => {
    const tui = await startApp({ env: { NO_COLOR: '' } });
    await tui.waitForScreen(showsWholeGreeting, 'the greeting');
    const screen = await tui.capture({ escapes: true });
    expect(colourCodes(screen).length).toBeGreaterThan(0);
  }, 40_000);

  it('are all gone with NO_COLOR=1 (bold and dim may stay)', async () => {
    const tui = await startApp({ env: { NO_COLOR: '1' } });
    await tui.waitForScreen(showsWholeGreeting, 'the greeting');
    await tui.keys('d');
    await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    const screen = await tui.capture({ escapes: true });
    expect(screen).toContain('\u001b[');
    expect(colourCodes(screen)).toEqual([]);
  }, 40_000);
});
