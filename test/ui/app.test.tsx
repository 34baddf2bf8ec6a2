import { homedir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pendingStore } from '../../source/app/call-session.js';
import { App, TOAST_MS } from '../../source/ui/App.js';
import { endedLine } from '../../source/ui/components/Notices.js';
import { TYPED_AHEAD } from '../../source/ui/hooks/useCallCommands.js';
import { KEYMAP } from '../../source/ui/keymap.js';
import {
  event,
  FakeStore,
  KEYS,
  makeSnapshot,
  type Rendered,
  renderApp,
  turn,
  waitFor,
} from './helpers.js';

let current: Rendered | undefined;
afterEach(() => {
  current?.unmount();
  current = undefined;
});

async function open(store: FakeStore, columns = 80, rows = 24): Promise<Rendered> {
  current = await renderApp(store, { columns, rows });
  return current;
}

/** `t`, then wait for the empty message line. */
async function openLine(r: Rendered): Promise<void> {
  await r.press('t');
  await waitFor(() => expect(r.frame()).toContain('say: type a message'));
}

describe('transcript pane', () => {
  it('shows turns in order with role labels, live, typed and interrupted marks', async () => {
    const store = new FakeStore({
      turns: [
        turn({ role: 'user', text: 'What is the weather?' }),
        turn({ role: 'agent', text: 'It is sunny and', interrupted: true }),
        turn({ role: 'user', text: 'thanks', typed: true, medium: 'text' }),
        turn({ role: 'agent', text: 'You are welcome', final: false }),
      ],
    });
    const r = await open(store, 120, 30);
    const frame = r.frame();
    const order = ['What is the weather?', 'It is sunny and', 'thanks', 'You are welcome'].map(
      (t) => frame.indexOf(t),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(frame).toMatch(/You {4}What is the weather\?/);
    expect(frame).toMatch(/Agent {2}It is sunny and — interrupted/);
    expect(frame).toMatch(/thanks ⌨ \(typed\)/);
    expect(frame).toMatch(/You are welcome …/);
  });

  it('a turn left without its final text when the call ends says [unfinished], not the streaming …', async () => {
    const store = new FakeStore({
      phase: 'live',
      turns: [turn({ role: 'agent', text: 'Hello! I am trying your prompt:', final: false })],
    });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toContain('trying your prompt: …'));
    // The server goes away mid-reply: as the files and plain mode say it.
    store.set({ phase: 'error', endReason: 'call socket lost', error: 'call socket lost' });
    await waitFor(() => expect(r.frame()).toContain('trying your prompt: [unfinished]'));
    expect(r.frame()).not.toContain('prompt: …');
  });

  it('a turn still streaming whose text ends with … (a reply cut short) shows one …', async () => {
    const store = new FakeStore({
      phase: 'live',
      turns: [turn({ role: 'agent', text: 'You typed: word023 word024…', final: false })],
    });
    const r = await open(store, 100, 24);
    await waitFor(() => expect(r.frame()).toContain('word024…'));
    expect(r.frame()).not.toMatch(/…\s*…/);
    // Interrupted, it says so after the text's own mark.
    store.set({
      turns: [turn({ role: 'agent', text: 'You typed: word023 word024…', interrupted: true })],
    });
    await waitFor(() => expect(r.frame()).toContain('word024… — interrupted'));
  });

  it('a typed message the server never confirmed reads so once the call has ended, not "sent"', async () => {
    const store = new FakeStore({
      phase: 'live',
      turns: [turn({ role: 'agent', text: 'Hello there.' })],
      pendingTexts: [{ id: 1, text: 'are you there', at: Date.now() }],
    });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toContain('are you there ⌨ (sent)'));
    store.set({ phase: 'error', endReason: 'call socket lost', error: 'call socket lost' });
    await waitFor(() => expect(r.frame()).toContain('are you there ⌨ (sent, not confirmed)'));
  });

  it('updates the live agent turn as text streams in', async () => {
    const store = new FakeStore({ turns: [turn({ role: 'agent', text: 'Hel', final: false })] });
    const r = await open(store);
    const ordinal = store.snapshot.turns[0]!.ordinal;
    store.set({
      turns: [turn({ ordinal, role: 'agent', text: 'Hello there, traveller', final: false })],
    });
    await waitFor(() => expect(r.frame()).toContain('Hello there, traveller …'));
    store.set({ turns: [turn({ ordinal, role: 'agent', text: 'Hello there, traveller.' })] });
    await waitFor(() => expect(r.frame()).toMatch(/traveller\.\s*│?\s*$/m));
    expect(r.frame()).not.toContain('traveller. …');
  });

  it('shows tool calls and errors inline, between the turns they happened between', async () => {
    const store = new FakeStore({
      turns: [
        turn({ role: 'user', text: 'book a table', startedAt: 1_000 }),
        turn({ role: 'agent', text: 'Booked for two.', startedAt: 5_000 }),
      ],
      events: [
        event({ kind: 'tool', message: 'book_table(2)', at: 2_000 }),
        event({ kind: 'debug', message: 'debug chatter', at: 3_000 }),
      ],
    });
    const r = await open(store, 120, 30);
    const frame = r.frame();
    expect(frame).toMatch(/tool {3}book_table\(2\)/);
    expect(frame.indexOf('book a table')).toBeLessThan(frame.indexOf('book_table(2)'));
    expect(frame.indexOf('book_table(2)')).toBeLessThan(frame.indexOf('Booked for two.'));
    // Debug lines belong to the events pane, not the transcript.
    expect(frame).not.toContain('debug chatter');
  });

  it('never lets control characters or escape sequences from the server reach the terminal', async () => {
    const store = new FakeStore({
      agentId: 'agent\u001b]0;pwned\u0007',
      turns: [turn({ role: 'agent', text: 'hi\u001b[2J\u001b[31mthere\u0007\u0008!' })],
      events: [event({ kind: 'error', message: 'bad\u001b[1;1Hthing\r\nhere' })],
      error: 'server says \u001b[5mno\u0000',
    });
    const r = await open(store, 120, 30);
    for (const frame of r.frames) {
      // Ink's own colour codes are allowed; nothing else with ESC or a control character is.
      const withoutSgr = frame.replace(/\u001b\[[0-9;]*m/g, '');
      expect(withoutSgr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
    expect(r.frame()).toContain('hithere!');
    expect(r.frame()).toContain('badthing here');
    expect(r.frame()).toContain('server says no');
  });
});

describe('scrolling', () => {
  function longStore(count = 60): FakeStore {
    return new FakeStore({
      turns: Array.from({ length: count }, (_, i) =>
        turn({ role: i % 2 ? 'agent' : 'user', text: `message number ${i}` }),
      ),
    });
  }

  it('follows the end; PgUp scrolls back and says how much is below; End follows again', async () => {
    const store = longStore();
    const r = await open(store);
    expect(r.frame()).toContain('message number 59');
    await r.press(KEYS.pageUp);
    await waitFor(() => expect(r.frame()).toMatch(/↓ \d+ more/));
    expect(r.frame()).not.toContain('message number 59');
    // Flush left, under the transcript's own rows.
    expect(r.frame()).toMatch(/^(\u001b\[[0-9;]*m)*↓ \d+ more · End to follow/m);
    // A new turn does not drag the scrolled-back view along.
    const before = r.frame().split('\n').slice(1, 6).join('\n');
    store.set({
      turns: [...store.snapshot.turns, turn({ role: 'agent', text: 'brand new turn' })],
    });
    await waitFor(() => expect(r.frame()).toMatch(/↓ \d+ more/));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.frame().split('\n').slice(1, 6).join('\n')).toBe(before);
    await r.press(KEYS.end);
    await waitFor(() => expect(r.frame()).toContain('brand new turn'));
    expect(r.frame()).not.toMatch(/↓ \d+ more/);
  });

  it('Home goes to the first turn, arrows move one row', async () => {
    const r = await open(longStore());
    await r.press(KEYS.home);
    await waitFor(() => expect(r.frame()).toContain('message number 0'));
    await r.press(KEYS.down);
    await waitFor(() => expect(r.frame()).not.toContain('message number 0'));
    expect(r.frame()).toContain('message number 1');
    await r.press(KEYS.up);
    await waitFor(() => expect(r.frame()).toContain('message number 0'));
  });

  it('renders only a window of a 10,000-turn call', async () => {
    const store = longStore(10_000);
    const r = await open(store, 80, 24);
    const lines = r.lines();
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(r.frame()).toContain('message number 9999');
    expect(r.frame()).not.toContain('message number 9000');
    await r.press(KEYS.home);
    await waitFor(() => expect(r.frame()).toContain('message number 0'));
    expect(r.lines().length).toBeLessThanOrEqual(24);
  });
});

describe('meters and state', () => {
  it('draws mic and agent levels with a peak-hold marker and shows MUTED', async () => {
    const store = new FakeStore({
      micLevel: { rmsDb: -30, peakDb: -20, peakHoldDb: -10 },
      agentLevel: { rmsDb: -6, peakDb: -3, peakHoldDb: -3 },
    });
    const r = await open(store, 120, 30);
    const mic = r.lines().find((l) => l.includes('mic  '))!;
    expect(mic).toMatch(/mic {3}█+·*│·* +-30 dB/);
    const agent = r.lines().find((l) => /agent +█/.test(l))!;
    expect(agent).toContain('-6 dB');
    expect((agent.match(/█/g) ?? []).length).toBeGreaterThan((mic.match(/█/g) ?? []).length);
    expect(r.frame()).toContain('mic live');
    store.set({ muted: true, userMuted: true, echoGuard: { enabled: true, active: true } });
    await waitFor(() => expect(r.frame()).toContain('MUTED'));
    expect(r.frame()).toContain('ECHO GUARD');
    // The canceller holding the mic (no guard chosen) is not called the guard.
    store.set({ muted: false, userMuted: false, echoGuard: { enabled: false, active: true } });
    await waitFor(() => expect(r.frame()).toContain('MIC HELD: learning echo'));
    expect(r.frame()).not.toMatch(/echo guard/i);
  });

  it('on a narrow screen shows a readout whole or not at all, never cut to another figure', async () => {
    const store = new FakeStore({
      micLevel: { rmsDb: -41, peakDb: -30, peakHoldDb: -30 },
      agentLevel: { rmsDb: -29, peakDb: -20, peakHoldDb: -20 },
    });
    // 40 columns: the bottom pane's meters are 18 wide, a 4-cell bar and its readout.
    const r = await open(store, 40, 12);
    await waitFor(() => expect(r.frame()).toMatch(/agent [█·│]{4} -29 dB/));
    expect(r.frame()).toMatch(/mic {3}[█·│]{4} -41 dB/);
    // 32 columns: 14 wide, too narrow for both: the bar alone (it was `agent ██·│ -2…`).
    r.resize(32, 12);
    await waitFor(() => expect(r.frame()).toMatch(/^agent [█·│]{8}/m));
    const meterRows = r.lines().filter((l) => /^(mic|agent) +[█·│]/.test(l));
    expect(meterRows).toHaveLength(2);
    // The meter's own 14 columns; the call facts share the row to its right.
    for (const row of meterRows) expect(row.slice(0, 14)).not.toMatch(/\d|dB|…/);
  });

  it('on a narrow screen a long echo fact stays two columns clear of the call facts', async () => {
    const store = new FakeStore({
      echo: { mode: 'off', reason: 'the input is not a microphone' },
      input: { kind: 'none', description: 'none (silence)', sampleRate: 48_000 },
    });
    // 80 columns: the bottom pane, the echo fact in the left half and `in` facts in the right.
    const r = await open(store, 80, 24);
    await waitFor(() => expect(r.frame()).toContain('echo off: the input'));
    const row = r.lines().find((l) => l.startsWith('echo off')) ?? '';
    // It read `… not a microphone in      none (silence)`, as one sentence.
    expect(row).toMatch(/^echo off: the input is not a \S*… {2}in {6}none \(silence\)/);
  });

  it('says the mic is lost, not live, once the input failed', async () => {
    const store = new FakeStore({});
    const r = await open(store, 120, 30);
    expect(r.frame()).toContain('mic live');
    store.set({ micLost: true });
    await waitFor(() => expect(r.frame()).toContain('NO MIC: sending silence'));
    expect(r.frame()).not.toContain('mic live');
  });

  it('shows a warning of the call on screen for a while, as the settings warnings are', async () => {
    const store = new FakeStore({});
    const r = await open(store, 120, 30);
    store.set({
      warning: {
        id: 7,
        text: 'playing through sox play: the speaker module is unavailable',
        more: true,
      },
    });
    await waitFor(() =>
      expect(r.frame()).toContain(
        'warning: playing through sox play: the speaker module is unavailable (d shows why)',
      ),
    );
  });

  it('shows a warning that comes while another notice shows after it, not instead of it', async () => {
    const store = new FakeStore({});
    const note = 'Front Desk is your agent from now on (kept in ~/.config/omnia-voice/config.json)';
    const r = render(<App store={store} note={note} stage={{ kind: 'call' }} />);
    try {
      await waitFor(() => expect(r.lastFrame()).toContain('Front Desk is your agent'));
      store.set({ warning: { id: 3, text: 'playing through sox play', more: false } });
      // The first notice keeps its time on screen; the warning follows it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(r.lastFrame()).toContain('Front Desk is your agent');
      await waitFor(
        () => expect(r.lastFrame()).toContain('warning: playing through sox play'),
        TOAST_MS + 2_000,
        'the warning after the first notice',
      );
      expect(r.lastFrame()).not.toContain('Front Desk is your agent');
    } finally {
      r.unmount();
    }
  }, 15_000);

  it('says the agent is not heard, instead of a meter, once no output device plays it', async () => {
    const store = new FakeStore({ agentLevel: { rmsDb: -18, peakDb: -12, peakHoldDb: -12 } });
    const r = await open(store, 120, 30);
    const agentRow = () => r.lines().find((l) => /│agent [^ ]/.test(l)) ?? '';
    await waitFor(() => expect(agentRow()).toContain('█'));
    store.set({ outputLost: true });
    await waitFor(() => expect(agentRow()).toContain('agent no audio output: not heard'));
    expect(agentRow()).not.toContain('█');
  });

  it('moves the meters when levels change, without any key press', async () => {
    const store = new FakeStore();
    const r = await open(store);
    const micLine = () => r.lines().find((l) => l.includes('mic  ')) ?? '';
    expect(micLine()).not.toContain('█');
    store.set({ micLevel: { rmsDb: -12, peakDb: -6, peakHoldDb: -6 } });
    await waitFor(() => expect(micLine()).toContain('█'));
  });

  it('shows a typed message at once, marked sent, until the transcript has it', async () => {
    const at = Date.now();
    const store = new FakeStore({
      phase: 'live',
      turns: [turn({ role: 'agent', text: 'a long answer', final: false, startedAt: at - 5_000 })],
      pendingTexts: [{ id: 1, text: 'wait, one question', at }],
    });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toMatch(/You\s+wait, one question ⌨ \(sent\)/));
    // The server's turn replaces it.
    store.set({
      pendingTexts: [],
      turns: [
        turn({ role: 'agent', text: 'a long answer', final: true, startedAt: at - 5_000 }),
        turn({ role: 'user', text: 'wait, one question', typed: true, medium: 'text' }),
      ],
    });
    await waitFor(() => expect(r.frame()).toMatch(/You\s+wait, one question ⌨ \(typed\)/));
    expect(r.frame()).not.toContain('(sent)');
  });

  it('shows the agent state with its duration, a spinner while thinking, and call phases', async () => {
    const since = Date.now() - 3_500;
    const store = new FakeStore({ agentState: 'listening', agentStateSince: since });
    const r = await open(store, 120, 30);
    // At least the 3 s it had lasted when the screen opened (a loaded machine may take longer).
    expect(r.frame()).toMatch(/● listening ([3-9]|\d\d)s/);
    store.set({ agentState: 'thinking', agentStateSince: Date.now() });
    await waitFor(() => expect(r.frame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking/));
    const spinnerOf = () => /([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) thinking/.exec(r.frame())?.[1];
    const first = spinnerOf();
    await waitFor(() => spinnerOf() !== first, 5_000, 'the spinner to turn');
    store.set({ agentState: 'speaking' });
    await waitFor(() => expect(r.frame()).toMatch(/[▁▃▅▇] speaking/));
    // After `i` the server still streams the turn; nothing of it plays.
    store.set({ agentCutOff: true });
    await waitFor(() => expect(r.frame()).toContain('◌ interrupted, rest not played'));
    store.set({ agentState: 'listening', agentCutOff: false });
    await waitFor(() => expect(r.frame()).toContain('● listening'));
    store.set({ phase: 'connecting' });
    await waitFor(() => expect(r.frame()).toContain('connecting'));
    store.set({ phase: 'ended', endReason: 'the agent hung up' });
    await waitFor(() => expect(r.frame()).toContain('■ call ended'));
  });

  it('shows the call facts: agent, call id, time, latencies, devices, queued audio', async () => {
    const store = new FakeStore({
      startedAt: Date.now() - 65_000,
      rttMs: 42,
      responseLatencyMs: 850,
      queuedMs: 1_240,
      input: { kind: 'mic', description: 'mic (default)', sampleRate: 16_000 },
      output: { kind: 'file', description: 'file out.wav', sampleRate: 24_000 },
    });
    const r = await open(store, 120, 30);
    const f = r.frame();
    expect(f).toMatch(/agent +agent-abc/);
    // Named as the header names it once the name is known (it showed the id alone).
    store.set({
      label: {
        kind: 'agent',
        text: 'Hotel Concierge (agent-abc)',
        agentId: 'agent-abc',
        agentName: 'Hotel Concierge',
      },
    });
    await waitFor(() => expect(r.frame()).toMatch(/agent +Hotel Concierge \(agent-abc\)/));
    expect(f).toMatch(/call +call-123/);
    expect(f).toMatch(/time +1:0[56]/);
    expect(f).toMatch(/rtt +42 ms/);
    expect(f).toMatch(/reply +850 ms/);
    expect(f).toMatch(/in +mic \(default\) · 16 kHz/);
    expect(f).toMatch(/out +file out\.wav · 24 kHz/);
    expect(f).toMatch(/queued +1240 ms/);
  });

  it('while the server is quiet: a warning counting on, the rtt stale; then a line it is back', async () => {
    const store = new FakeStore({ phase: 'live', startedAt: Date.now() - 20_000, rttMs: 3 });
    const r = await open(store, 80, 24);
    await waitFor(() => expect(r.frame()).toMatch(/rtt 3 ms/));
    expect(r.frame()).not.toMatch(/no answer/);
    store.set({ serverQuiet: { since: Date.now() - 6_200, eventId: 7 } });
    await waitFor(() => expect(r.frame()).toMatch(/warning: no answer from the server for 6 s/));
    // The narrow layout's time row keeps it: the last figure gives way to the silence.
    expect(r.frame()).toMatch(/0:2\d {2}rtt no answer 6 s/);
    expect(r.frame()).not.toMatch(/rtt 3 ms/);
    await waitFor(() => expect(r.frame()).toMatch(/no answer from the server for 7 s/), 3_000);
    expect(r.frame()).toMatch(/rtt no answer 7 s/);
    store.set({
      serverQuiet: undefined,
      serverBack: { id: 8, text: 'the server answers again after 7 s' },
      rttMs: 4,
    });
    await waitFor(() => expect(r.frame()).toContain('the server answers again after 7 s'));
    expect(r.frame()).not.toMatch(/no answer/);
    expect(r.frame()).toMatch(/rtt 4 ms/);
  });

  it('at 80 columns says the agent answers in text only, whatever the output is called', async () => {
    const store = new FakeStore({
      phase: 'live',
      output: { kind: 'none', description: 'no audio output', sampleRate: 48_000 },
    });
    const r = await open(store, 80, 24);
    await r.press('v');
    await waitFor(() => expect(r.frame()).toMatch(/^.*out {5}text only · no audio .*· 48 kHz$/m));
    await r.press('v');
    await waitFor(() => expect(r.frame()).toMatch(/out {5}voice · no audio output · 48 kHz/));
  });

  it('shows the echo mode, and the ERLE while the canceller measures it, in both layouts', async () => {
    const store = new FakeStore({ echo: { mode: 'cancel' } });
    const r = await open(store, 120, 30);
    expect(r.frame()).toMatch(/echo +cancel *│?$/m);
    store.set({ echo: { mode: 'cancel', erleDb: 31 } });
    await waitFor(() => expect(r.frame()).toMatch(/echo +cancel · ERLE 31 dB/));
    r.resize(80, 24);
    await waitFor(() => expect(r.lines()).toHaveLength(24));
    // Narrow: under the meters, on the bottom pane's fifth row.
    await waitFor(() => expect(r.frame()).toMatch(/^echo cancel · ERLE 31 dB/m));
    store.set({ echo: { mode: 'guard', reason: 'libspeexdsp.so.1 not found' } });
    await waitFor(() => expect(r.frame()).toMatch(/^echo guard: libspeexdsp\.so\.1 not found/m));
  });
});

describe('errors', () => {
  it('shows the error as a banner, and how the call ended with a way out', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toContain('mic live'));
    store.set({ error: 'microphone unavailable: sox not found' });
    await waitFor(() => expect(r.frame()).toContain('✖ microphone unavailable: sox not found'));
    store.set({ phase: 'error', endReason: 'connection lost (1006)', exitCode: 1 });
    await waitFor(() =>
      expect(r.frame()).toContain('call ended: connection lost (1006) — press q to quit'),
    );
    // Nothing of the mic is sent once the call is over.
    await waitFor(() => {
      expect(r.frame()).toContain('mic off');
      expect(r.frame()).not.toContain('mic live');
    });
    expect(r.frame()).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(r.exits).toEqual([]);
    await r.press('q');
    await waitFor(() => expect(r.exits).toEqual([1]));
  });
});

describe('layout', () => {
  it('fits 80x24 with the info pane at the bottom and adapts when resized', async () => {
    const store = new FakeStore({ turns: [turn({ role: 'user', text: 'hello' })] });
    const r = await open(store, 80, 24);
    let lines = r.lines();
    expect(lines).toHaveLength(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.some((l) => /^─{80}$/.test(l))).toBe(true);
    r.resize(130, 40);
    await waitFor(() => expect(r.lines()).toHaveLength(40));
    lines = r.lines();
    expect(lines.some((l) => /^─+$/.test(l))).toBe(false);
    expect(lines.filter((l) => l.includes('│')).length).toBeGreaterThan(20);
    expect(lines.find((l) => l.includes('hello'))).toMatch(/hello +│/);
    r.resize(80, 24);
    await waitFor(() => expect(r.lines()).toHaveLength(24));
  });

  it('toggles the events pane with d', async () => {
    const store = new FakeStore({
      events: [
        event({ kind: 'debug', message: 'ping 40 ms' }),
        event({ kind: 'info', message: 'call started' }),
      ],
    });
    const r = await open(store);
    expect(r.frame()).not.toContain('ping 40 ms');
    await r.press('d');
    await waitFor(() => expect(r.frame()).toContain('ping 40 ms'));
    expect(r.frame()).toMatch(/Events \(2\)/);
    expect(r.lines()).toHaveLength(24);
    await r.press('d');
    await waitFor(() => expect(r.frame()).not.toContain('ping 40 ms'));
  });

  it('after a redial, keeps the earlier calls’ events under a divider naming each call', async () => {
    const first = makeSnapshot({
      label: { kind: 'agent', text: 'concierge' },
      phase: 'error',
      exitCode: 1,
      endReason: 'call socket closed by the server (code 4003): agent gone',
      events: [
        event({ kind: 'info', message: 'first call connected' }),
        event({
          kind: 'error',
          message: 'call socket closed by the server (code 4003): agent gone',
        }),
      ],
    });
    const earlier = [
      {
        snapshot: first,
        summary: {
          turns: 0,
          userTurns: 0,
          agentTurns: 0,
          interruptions: 0,
          latencyCount: 0,
          endReason: 'call socket closed by the server (code 4003): agent gone',
        },
      },
    ];
    const store = new FakeStore({
      label: { kind: 'agent', text: 'concierge' },
      events: [event({ kind: 'info', message: 'second call connected' })],
    });
    const r = await renderApp(store, { columns: 120, rows: 30 }, 'omnia-voice · test', {
      earlier,
    });
    current = r;
    await r.press('d');
    await waitFor(() => expect(r.frame()).toContain('Events ('));
    // The events pane: the right-hand column under its title, wrapped rows joined.
    const right = r.lines().map((line) => line.replace(/^.*│/, ''));
    const pane = right
      .slice(right.findIndex((line) => line.startsWith('Events (')))
      .join(' ')
      .replace(/\s+/g, ' ');
    // Why the first call ended is still there, above the line that starts the second call.
    expect(pane).toMatch(/^Events \(3\) d to hide /);
    expect(pane).toContain('first call connected');
    expect(pane).toMatch(/error call socket closed by the server \(code 4003\): agent gone/);
    expect(pane).toMatch(/─ call 2 · concierge ─/);
    expect(pane.indexOf('agent gone')).toBeLessThan(pane.indexOf('call 2 · concierge'));
    expect(pane.indexOf('call 2 · concierge')).toBeLessThan(pane.indexOf('second call connected'));
  });

  it('says how many events a flood pushed out of the events pane', async () => {
    const store = new FakeStore({
      events: [event({ kind: 'info', message: 'newest' })],
      eventsDropped: 1_233,
    });
    const r = await open(store);
    await r.press('d');
    await waitFor(() => expect(r.frame()).toContain('Events (last 1 of 1,234)'));
  });
});

describe('keys', () => {
  it('m mutes, i interrupts, v switches the answer medium', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await r.press('m');
    await waitFor(() => expect(store.called('mute')).toHaveLength(1));
    await waitFor(() => expect(r.frame()).toContain('MUTED'));
    await r.press('i');
    await waitFor(() => expect(store.called('interrupt')).toHaveLength(1));
    await r.press('v');
    await waitFor(() => expect(store.called('setOutputMedium')[0]?.args).toEqual(['text']));
    await waitFor(() => expect(r.frame()).toContain('text only'));
  });

  it('i says what it did: nothing to interrupt, the reply cut, nothing more to cut', async () => {
    const store = new FakeStore({ phase: 'live', agentState: 'listening' });
    const r = await open(store);
    await r.press('i');
    await waitFor(() =>
      expect(r.frame()).toContain('nothing to interrupt: the agent is not speaking'),
    );
    // The agent speaks: the next i cuts it, and the old notice gives way to what it did.
    store.set({ agentState: 'speaking' });
    await r.press('i');
    await waitFor(() => expect(store.getSnapshot().interruptions).toBe(1));
    await waitFor(() => expect(r.frame()).toContain('interrupted the agent (1200 ms'));
    expect(r.frame()).not.toContain('nothing to interrupt');
    // Again, on the reply already cut: not a second cut, and said so.
    await r.press('i');
    await waitFor(() =>
      expect(r.frame()).toContain('nothing more to interrupt: the rest of this reply is'),
    );
    expect(store.getSnapshot().interruptions).toBe(1);
  });

  it('Ctrl+W in the message line removes the word before the cursor', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await openLine(r);
    await r.press('call me later');
    await waitFor(() => expect(r.frame()).toContain('say: call me later'));
    await r.press('\u0017');
    await waitFor(() => expect(r.frame()).toMatch(/say: call me (?!later)/));
    expect(r.frame()).not.toContain('later');
  });

  it('t opens the message line; typing then Enter sends it; keys are text meanwhile', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await openLine(r);
    await r.press('hello mq');
    await waitFor(() => expect(r.frame()).toContain('hello mq'));
    // "m" and "q" were text, not mute and quit.
    expect(store.called('mute')).toHaveLength(0);
    expect(store.called('hangUp')).toHaveLength(0);
    await r.press(KEYS.enter);
    await waitFor(() => expect(store.called('sendText')).toHaveLength(1));
    expect(store.called('sendText')[0]!.args[0]).toBe('hello mq');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    await r.press('m');
    await waitFor(() => expect(store.called('mute')).toHaveLength(1));
  });

  it('text and Enter arriving in one chunk (paste, tmux send-keys) send the line', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await openLine(r);
    await r.press('what is the weather\r');
    await waitFor(() => expect(store.called('sendText')).toHaveLength(1));
    expect(store.called('sendText')[0]!.args[0]).toBe('what is the weather');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
  });

  it('an Enter in a read of keys is a key, not the end of a paste: md then Enter, t then text and Enter', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store);
    // Two keys and Enter: m mutes, d opens the events pane, Enter in call mode does nothing.
    await r.press('md\r');
    await waitFor(() => expect(r.frame()).toMatch(/Events \(\d+\)/));
    expect(store.called('mute')).toHaveLength(1);
    expect(r.frame()).not.toContain('say:');
    // t opens the line, x is its text, Enter sends it.
    await r.press('tx\r');
    await waitFor(() => expect(store.called('sendText')).toHaveLength(1));
    expect(store.called('sendText')[0]!.args[0]).toBe('x');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    // A message typed ahead while the app was busy: t, the text, Enter. No stray t, nothing
    // left on the line to be merged with the next message.
    await r.press('tmessage number 13\r');
    await waitFor(() => expect(store.called('sendText')).toHaveLength(2));
    expect(store.called('sendText')[1]!.args[0]).toBe('message number 13');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    // A paste the terminal did not bracket, ended by Enter: text, then sent by that Enter.
    await r.press('is this quick?\r');
    await waitFor(() => expect(store.called('sendText')).toHaveLength(3));
    expect(store.called('sendText')[2]!.args[0]).toBe('is this quick?');
    expect(store.called('interrupt')).toHaveLength(0);
  });

  it('one command key repeated in one read (held, or pressed again while the app was busy) is keys, not a paste', async () => {
    const store = new FakeStore({ phase: 'live' });
    let redials = 0;
    // As the run's: the first r calls again, the others say why they call no one.
    const controls = {
      quit: () => undefined,
      redial: () => {
        redials++;
        return redials === 1 ? undefined : 'already calling again: one call at a time';
      },
    };
    const r = await renderApp(store, { columns: 80, rows: 24 }, 'omnia-voice · test', {
      controls,
    });
    current = r;
    // Not a paste: no message line opens with `mmm` in it; three presses, as in three reads.
    await r.press('mmm');
    await waitFor(() => expect(store.called('mute')).toHaveLength(3));
    expect(store.getSnapshot().userMuted).toBe(true);
    expect(r.frame()).not.toContain('say:');
    // Over: `rrr` is r three times: one call again, and why the others called no one.
    store.set({ phase: 'ended', endReason: 'the agent hung up' });
    await waitFor(() => expect(r.frame()).toContain('call ended'));
    await r.press('rrr');
    await waitFor(() => expect(r.frame()).toContain('already calling again: one call at a time'));
    expect(redials).toBe(3);
    expect(r.frame()).not.toMatch(/say:|no one to type to/);
  });

  it('keys arriving in one read (a fast typist over SSH, a held Backspace) all reach the line', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await openLine(r);
    await r.press('hello');
    // Ink hands these to the listeners one by one before React renders again.
    await r.press(' world\u007fD');
    await waitFor(() => expect(r.frame()).toContain('hello worlD'));
    await r.press('\u007f\u007f\u007f\u007f');
    await waitFor(() => expect(r.frame()).toMatch(/say: hello w(?!orlD)/));
    const left = '\u001b[D';
    // Three Left arrows, a letter and Enter in one read: the letter lands three back, all sent.
    await r.press(`${left}${left}${left}X\r`);
    await waitFor(() => expect(store.called('sendText')).toHaveLength(1));
    expect(store.called('sendText')[0]!.args[0]).toBe('hellXo w');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
  });

  it('Enter before the call is live keeps the message and says so; once live it goes', async () => {
    const store = new FakeStore({ phase: 'connecting' });
    const r = await open(store);
    await openLine(r);
    await r.press('hi there');
    await r.press(KEYS.enter);
    await waitFor(() => expect(r.frame()).toContain('not connected yet: your message is kept'));
    expect(r.frame()).toContain('say: hi there');
    expect(store.called('sendText')).toHaveLength(0);
    store.set({ phase: 'live' });
    // Live: the notice that waited for it goes, at once.
    await waitFor(() => expect(r.frame()).not.toContain('not connected yet'), 1_000);
    await r.press(KEYS.enter);
    await waitFor(() => expect(store.called('sendText')).toHaveLength(1));
    expect(store.called('sendText')[0]!.args[0]).toBe('hi there');
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    // The call ends with the line open: nothing can carry it, said so, and the line is kept.
    await openLine(r);
    store.set({ phase: 'ended', endReason: 'the agent hung up' });
    await waitFor(() => expect(r.frame()).toContain('■ call ended'));
    await r.press('too late?\r');
    await waitFor(() => expect(r.frame()).toContain('the call is over: your message was not sent'));
    expect(r.frame()).toContain('say: too late?');
    expect(store.called('sendText')).toHaveLength(1);
  });

  it('before the call is up m sets the mute it starts with, and says so; i and Space say why they did nothing', async () => {
    const store = new FakeStore({ phase: 'creating', ptt: true, muted: true });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toContain('mic off'));
    await r.press('m');
    await waitFor(() => expect(r.frame()).toContain('not connected yet: the call starts muted'));
    expect(r.frame()).toMatch(/mic off +MUTED/);
    await r.press('m');
    await waitFor(() =>
      expect(r.frame()).toContain('not connected yet: the call starts unmuted (Space talks)'),
    );
    expect(r.frame()).not.toContain('MUTED');
    await r.press('i');
    await waitFor(() =>
      expect(r.frame()).toContain('not connected yet: there is nothing to interrupt'),
    );
    expect(store.called('interrupt')).toHaveLength(0);
    await r.press(' ');
    await waitFor(() =>
      expect(r.frame()).toContain('not connected yet: Space talks once the call is live'),
    );
    expect(store.called('setPtt')).toHaveLength(0);
    // Connecting, the same.
    store.set({ phase: 'connecting', ptt: false });
    await r.press('m');
    await waitFor(() => expect(r.frame()).toContain('not connected yet: the call starts muted'));
    await r.press('m');
    await waitFor(() =>
      expect(r.frame()).toContain('not connected yet: the call starts with the mic live'),
    );
  });

  it('Esc closing the message line takes the notice about that line with it', async () => {
    const store = new FakeStore({ phase: 'connecting' });
    const r = await open(store);
    await openLine(r);
    await r.press('hi there');
    await r.press(KEYS.enter);
    await waitFor(() => expect(r.frame()).toContain('not connected yet: your message is kept'));
    // The message is dropped: a notice that it is kept would be wrong.
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    expect(r.frame()).not.toContain('not connected yet');
    // The same for the one said once the call is over, about a line that is closed now.
    store.set({ phase: 'live' });
    await openLine(r);
    store.set({ phase: 'ended', endReason: 'the agent hung up' });
    await r.press('too late?\r');
    await waitFor(() => expect(r.frame()).toContain('your message was not sent (Esc closes'));
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    expect(r.frame()).not.toContain('your message was not sent');
    // A notice about something else stays.
    await r.press('s');
    await waitFor(() => expect(r.frame()).toContain('transcript saved to'));
    await r.press('?');
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('Keys (? or Esc to close)'));
    expect(r.frame()).toContain('transcript saved to');
  });

  it('on a narrow screen the key hints give way to the text being typed', async () => {
    const wide = await open(new FakeStore({ phase: 'live' }), 80, 24);
    await wide.press('t');
    await wide.press('a question about the weather');
    await waitFor(() =>
      expect(wide.frame()).toMatch(/say: a question about the weather.*Enter send/),
    );
    wide.unmount();
    const narrow = await open(new FakeStore({ phase: 'live' }), 40, 12);
    await narrow.press('t');
    await narrow.press('a question about the weather');
    await waitFor(() => expect(narrow.frame()).toContain('say: a question about the weather'));
    expect(narrow.frame()).not.toContain('Enter send');
  });

  it('a line longer than the screen shows the part around the cursor, so edits are seen', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store, 60, 16);
    await openLine(r);
    const text = `first-words-${'0123456789-'.repeat(6)}last-words`;
    await r.press(text);
    // At the end: the tail of the line, with the cursor after it.
    await waitFor(() => expect(r.frame()).toMatch(/^say: …[0-9-]+last-words +Enter send/m));
    await r.press(KEYS.home);
    await waitFor(() => expect(r.frame()).toMatch(/^say: first-words-[0-9-]+… Enter send/m));
    await r.press('NEW ');
    await waitFor(() => expect(r.frame()).toMatch(/^say: NEW first-words-[0-9-]+… Enter send/m));
    await r.press(KEYS.enter);
    await waitFor(() => expect(store.called('sendText')[0]?.args[0]).toBe(`NEW ${text}`));
  });

  it('Esc cancels typing without sending', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await openLine(r);
    await r.press('never mind');
    await waitFor(() => expect(r.frame()).toContain('never mind'));
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('say:'));
    expect(store.called('sendText')).toHaveLength(0);
    expect(r.frame()).not.toContain('never mind');
  });

  it('s saves the transcript and shows where', async () => {
    const store = new FakeStore();
    const r = await open(store);
    await r.press('s');
    await waitFor(() =>
      expect(r.frame()).toContain('transcript saved to /tmp/omnia/transcript.md'),
    );
    // A path wider than two rows of the screen keeps its file name: its start on the first
    // row, its end on the second, cut in the middle, not at the end.
    store.savePath = `/home/someone/${'very-long-folder/'.repeat(6)}2026-11-30_13-02-11_demo.md`;
    await r.press('s');
    await waitFor(() =>
      expect(twoRows(r.frame()).join('\n')).toMatch(
        /^transcript saved to \/home\/someone\/\S*….*2026-11-30_13-02-11_demo\.md$/m,
      ),
    );
    // One that two rows hold is whole, over two rows.
    store.savePath = `/home/someone/${'very-long-folder/'.repeat(5)}demo.md`;
    await r.press('s');
    await waitFor(() =>
      expect(twoRows(r.frame())).toContain(`transcript saved to ${store.savePath}`),
    );
    // Saved there again: said so, or the screen would not change at all.
    await r.press('s');
    await waitFor(() => expect(twoRows(r.frame()).join('')).toContain('transcript saved again to'));
    // Under the home folder, as the shell takes it.
    store.savePath = join(homedir(), 'omnia', 'call.md');
    await r.press('s');
    await waitFor(() => expect(r.frame()).toContain('transcript saved to ~/omnia/call.md'));
    store.saveError = 'disk full';
    await r.press('s');
    await waitFor(() => expect(r.frame()).toContain('could not save the transcript: disk full'));
    // Why it could not, for a path wider than two rows: the path starts on the first row, and
    // gives way in its middle on the second, where its file name and the reason after it stay.
    store.saveError = `could not write transcript /home/someone/${'very-long-folder/'.repeat(6)}2026-11-30_13-02-11_demo.md: a part of the path is not a directory`;
    await r.press('s');
    await waitFor(() =>
      expect(twoRows(r.frame()).join('\n')).toMatch(
        /^could not write transcript \/home\/\S*…\S*demo\.md: a part of the path is not a directory$/m,
      ),
    );
    // Where two rows hold it, it is whole: which folder, and why.
    const wide = await open(store, 120, 24);
    await wide.press('s');
    await waitFor(() => expect(twoRows(wide.frame())).toContain(store.saveError ?? '-'));
  });

  it('space toggles the push-to-talk control only in PTT mode', async () => {
    const store = new FakeStore({ ptt: false });
    const r = await open(store);
    await r.press(' ');
    // Not a silent nothing: where push-to-talk is, and how to have it.
    await waitFor(() =>
      expect(r.frame()).toContain('push-to-talk is off: start with --ptt to talk with Space'),
    );
    expect(store.called('setPtt')).toHaveLength(0);
    store.set({ ptt: true });
    await waitFor(() => expect(r.frame()).toContain('PTT: off'));
    await r.press(' ');
    await waitFor(() => expect(store.called('setPtt')[0]?.args).toEqual([true]));
    await waitFor(() => expect(r.frame()).toContain('PTT: talking'));
    // Not at once: a press within 100 ms of the last is a held key's repeat.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await r.press(' ');
    await waitFor(() => expect(store.called('setPtt')[1]?.args).toEqual([false]));
  });

  it('a Space typed before the live call showed opens no mic, and says so; the next press talks', async () => {
    // Held by the terminal while the app started, read as the UI first reads: the call is live
    // already, and the first frame says so.
    const store = new FakeStore({ phase: 'live', ptt: true });
    const r = await renderApp(store, { columns: 100, rows: 24 }, undefined, { typedAhead: ' ' });
    current = r;
    await waitFor(() => expect(r.frame()).toContain(TYPED_AHEAD));
    expect(store.called('setPtt')).toHaveLength(0);
    expect(r.frame()).toContain('PTT: off');
    // A press read after that talks at once.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await r.press(' ');
    await waitFor(() => expect(r.frame()).toContain('PTT: talking'));
    expect(store.called('setPtt').map((c) => c.args)).toEqual([[true]]);
    // Live in the store but not yet on screen (a redial's call coming up): the same.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await r.press(' ');
    await waitFor(() => expect(r.frame()).toContain('PTT: off'));
    store.set({ phase: 'connecting' });
    await waitFor(() => expect(r.frame()).toMatch(/connecting/));
    await new Promise((resolve) => setTimeout(resolve, 150));
    store.set({ phase: 'live' });
    await r.press(' ');
    expect(store.called('setPtt').map((c) => c.args)).toEqual([[true], [false]]);
    await waitFor(() => expect(r.frame()).toMatch(/live 0:\d\d/));
    expect(r.frame()).toContain('PTT: off');
  });

  it('a Space while the call ends is not said to be typed before the call was live', async () => {
    const store = new FakeStore({ phase: 'live', ptt: true });
    const r = await open(store);
    store.set({ phase: 'ending' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await r.press(' ');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(r.frame()).not.toContain(TYPED_AHEAD);
  });

  it('as a toggle, Space held (presses 35 ms apart) toggles the push-to-talk control once', async () => {
    const store = new FakeStore({ phase: 'live', ptt: true });
    const r = await open(store);
    // The clock the keys are timed with, stepped by hand: a busy test machine is no held key.
    let now = 10_000;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      for (let i = 0; i < 11; i++) {
        await r.press(' ');
        now += 35;
      }
      await waitFor(() => expect(r.frame()).toContain('PTT: talking'));
      expect(store.called('setPtt').map((c) => c.args)).toEqual([[true]]);
      // A press a moment later is a press: it stops the talking.
      now += 400;
      await r.press(' ');
      await waitFor(() => expect(r.frame()).toContain('PTT: off'));
    } finally {
      clock.mockRestore();
    }
  });

  it('a long reason for the end gives way in the middle: the keys to press stay readable', async () => {
    const store = new FakeStore({
      phase: 'error',
      endReason: `could not connect to the call: timed out after 10 s connecting to ${'host.'.repeat(10)}example`,
    });
    const r = await open(store, 80, 24);
    // On two rows the reason is whole (its host name too), the keys at the end.
    await waitFor(() =>
      expect(r.frame()).toMatch(
        /^call ended: could not connect to the call: timed out after 10 s connecting to\n(host\.){10}example — press q to quit$/m,
      ),
    );
    // Where even two rows cannot hold it, it gives way in its middle on the second.
    r.resize(60, 24);
    await waitFor(() =>
      expect(r.frame()).toMatch(/^10 s connecting to host.*….*example — q quit$/m),
    );
  });

  it('a redial that failed says why whole on two rows, the keys kept at the end', async () => {
    const store = new FakeStore({ phase: 'ended' });
    const message =
      'could not call again: Cannot reach Omnia at 127.0.0.1:8787 (connection refused). Check your network and --api-base.';
    const r = render(<App store={store} stage={{ kind: 'failed', message }} />);
    try {
      const rows = () => {
        const lines = (r.lastFrame() ?? '').split('\n');
        const at = lines.findIndex((l) => l.startsWith('✖ could not call again'));
        return at < 0 ? [] : lines.slice(at, at + 2).map((l) => l.trimEnd());
      };
      await waitFor(() => expect(rows()[1]).toMatch(/ — r tries again, q quits$/));
      expect(rows().join(' ')).toBe(`✖ ${message} — r tries again, q quits`);
    } finally {
      r.unmount();
    }
  });

  it('with the message line open when the call ends, the keys to press say Esc first', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store, 100, 24);
    await r.press('t');
    await r.press('half typed');
    store.set({ phase: 'error', endReason: 'call socket lost (code 1006)' });
    await waitFor(() =>
      expect(r.frame()).toContain('call ended: call socket lost (code 1006) — Esc, then q to quit'),
    );
    await r.press(KEYS.escape);
    await waitFor(() =>
      expect(r.frame()).toContain('call ended: call socket lost (code 1006) — press q to quit'),
    );
  });

  it.each([
    [80, 'call ended: the agent hung up (agent_hangup) — press r to call again, q to quit'],
    [60, 'call ended: the ag…angup) — press r to call again, q to quit'],
    [48, 'call ended: the agen…_hangup) — r again · q quit'],
    [40, 'ended: the age…angup) — r again · q quit'],
    [30, 'ended — r again · q quit'],
  ])('at %i columns the ended line keeps the keys to press: %s', (width, line) => {
    expect(endedLine('the agent hung up (agent_hangup)', true, width)).toBe(line);
  });

  it('while the call ends, v asks nothing and says the call is ending', async () => {
    const store = new FakeStore({ phase: 'ending' });
    const r = await open(store);
    await r.press('v');
    await waitFor(() =>
      expect(r.frame()).toContain('the call is ending: there is no agent to ask'),
    );
    expect(store.called('setOutputMedium')).toHaveLength(0);
  });

  it('after the call v asks nothing and says so, and no PTT flag stands', async () => {
    const store = new FakeStore({ phase: 'ended', ptt: true, pttDown: true });
    const r = await open(store);
    await r.press('v');
    await waitFor(() => expect(r.frame()).toContain('the call is over: there is no agent to ask'));
    expect(store.called('setOutputMedium')).toHaveLength(0);
    expect(r.frame()).not.toContain('PTT:');
    expect(r.frame()).toContain('mic off');
  });

  it('the mic flags say what a held talk control does to a mute', async () => {
    // Without --ptt a held talk control (a serial button) opens a muted mic while held.
    const store = new FakeStore({ phase: 'live', userMuted: true, muted: false, pttDown: true });
    const r = await open(store);
    await waitFor(() => expect(r.frame()).toContain('MUTED, talk held: live'));
    // With --ptt the mute wins: held, but nothing is sent.
    store.set({ ptt: true, muted: true });
    await waitFor(() => expect(r.frame()).toContain('PTT: held, muted'));
    expect(r.frame()).toMatch(/MUTED PTT: held, muted/);
    expect(r.frame()).not.toContain('PTT: talking');
  });

  it('MUTED lines up with the meters and with mic live, at 80x24 and 40x12', async () => {
    const plain = (r: Rendered) => r.lines().map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    for (const [columns, rows] of [
      [80, 24],
      [40, 12],
    ] as const) {
      const store = new FakeStore({ phase: 'live' });
      const r = await open(store, columns, rows);
      await waitFor(() => expect(r.frame()).toContain('mic live'));
      const meter = plain(r).find((l) => /^\s*mic +[·█]/.test(l)) ?? '';
      const live = plain(r).find((l) => l.includes('mic live')) ?? '';
      store.set({ userMuted: true, muted: true });
      await waitFor(() => expect(r.frame()).toContain('MUTED'));
      const muted = plain(r).find((l) => l.includes('MUTED')) ?? '';
      const at = (l: string, word: string) => l.indexOf(word);
      expect(at(live, 'mic live'), `${columns}x${rows}: ${live}`).toBe(at(meter, 'mic'));
      expect(at(muted, 'MUTED'), `${columns}x${rows}: ${muted}`).toBe(at(meter, 'mic'));
      r.unmount();
    }
  });

  it('q hangs up, then exits with the code of the call', async () => {
    const store = new FakeStore({ exitCode: 0 });
    store.holdHangUp = true;
    const r = await open(store);
    await r.press('q');
    await waitFor(() => expect(store.called('hangUp')).toHaveLength(1));
    await waitFor(() => expect(r.frame()).toContain('hanging up'));
    expect(r.exits).toEqual([]);
    store.finishHangUp();
    await waitFor(() => expect(r.exits).toEqual([0]));
  });

  it('Ctrl+C hangs up; a second Ctrl+C while hanging up quits at once', async () => {
    const store = new FakeStore();
    store.holdHangUp = true;
    const r = await open(store);
    await r.press(KEYS.ctrlC);
    await waitFor(() => expect(store.called('hangUp')).toHaveLength(1));
    expect(r.exits).toEqual([]);
    await r.press(KEYS.ctrlC);
    await waitFor(() => expect(r.exits).toEqual([130]));
    store.finishHangUp();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.exits).toEqual([130]);
    expect(store.called('hangUp')).toHaveLength(1);
  });

  it('? shows a help generated from the keymap table, Esc closes it', async () => {
    const store = new FakeStore();
    const r = await open(store, 120, 40);
    expect(r.frame()).toMatch(/m mute · .*q quit/);
    await r.press('?');
    await waitFor(() => expect(r.frame()).toContain('Keys'));
    expect(r.frame()).toContain(
      "Keys (? or Esc to close) · the call's keys work once it is closed",
    );
    // A store on its own cannot call again: every key but r. Without --ptt, Space's row says
    // it does nothing, as pressing it does: no push-to-talk described that is not there.
    for (const binding of KEYMAP) {
      if (binding.onlyWithRedial || binding.onlyInPtt)
        expect(r.frame()).not.toContain(binding.description);
      else expect(r.frame()).toContain(binding.description);
    }
    expect(r.frame()).toMatch(/Space\s+push-to-talk is off: start with --ptt to talk with Space/);
    expect(r.frame()).not.toContain('(with --ptt)');
    // The footer says what closes the help, as the title does.
    expect(r.frame().split('\n').at(-1)).toMatch(/^\?\/Esc close · q quit/);
    expect(r.frame()).toContain('PgUp');
    // The help covers what the call's keys would change: they do nothing, and say so.
    await r.press('m');
    await waitFor(() =>
      expect(r.frame()).toContain('the help is open: Esc closes it, then m works'),
    );
    expect(store.called('mute')).toHaveLength(0);
    await r.press('i');
    await waitFor(() =>
      expect(r.frame()).toContain('the help is open: Esc closes it, then i works'),
    );
    expect(store.called('interrupt')).toHaveLength(0);
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('Keys (? or Esc to close)'));
    // What it said of the help goes with it: the help is closed, and i works now.
    expect(r.frame()).not.toContain('the help is open');
    // Closed with ? the same.
    await r.press('?');
    await waitFor(() => expect(r.frame()).toContain('Keys (? or Esc to close)'));
    await r.press('m');
    await waitFor(() => expect(r.frame()).toContain('then m works'));
    await r.press('?');
    await waitFor(() => expect(r.frame()).not.toContain('Keys (? or Esc to close)'));
    expect(r.frame()).not.toContain('the help is open');
  });

  it('once the call is over the footer offers no key that acts on it; pressed, it says why', async () => {
    const store = new FakeStore({ phase: 'live', agentState: 'listening' });
    const r = await open(store, 120, 24);
    const footer = () => r.frame().split('\n').at(-1) ?? '';
    await waitFor(() => expect(footer()).toMatch(/m mute.*i interrupt.*t type.*v voice\/text/));
    store.set({ phase: 'ended', endReason: 'the agent hung up' });
    await waitFor(() => expect(r.frame()).toContain('■ call ended'));
    expect(footer()).toMatch(/s save.*d events.*\? help.*q quit/);
    expect(footer()).not.toMatch(/mute|interrupt|type|voice/);
    await r.press('i');
    await waitFor(() =>
      expect(r.frame()).toContain('the call is over: there is nothing to interrupt'),
    );
    // m still sets the mic of the call r makes, and says so.
    await r.press('m');
    await waitFor(() =>
      expect(r.frame()).toContain('the call is over: the call r makes starts muted'),
    );
    await r.press('m');
    await waitFor(() => expect(r.frame()).toContain('the call r makes starts with the mic live'));
    // t opens no line that could send nothing: it says so, as a paste does.
    await r.press('t');
    await waitFor(() =>
      expect(r.frame()).toContain('the call is over: there is no one to type to'),
    );
    expect(r.frame()).not.toContain('say:');
    await r.press('\u001b[200~a pasted line\u001b[201~');
    await waitFor(() => expect(r.frame()).toContain('the call is over: there is no one to type'));
    expect(r.frame()).not.toContain('say:');
  });

  it('on a small screen the help wraps its lines and scrolls with the arrows', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store, 50, 14);
    await r.press('?');
    await waitFor(() => expect(r.frame()).toMatch(/↓ \d+ more \(↑↓ PgUp PgDn scroll\)/));
    // Lines wrap rather than being cut: no description ends in "…".
    expect(r.frame()).not.toMatch(/…$/m);
    expect(r.frame()).toContain('m       mute / unmute the mic');
    await r.press(KEYS.down);
    await waitFor(() => expect(r.frame()).toMatch(/↑ 1 above/));
    await r.press(KEYS.end);
    // The last line, the message line's last editing key, is in view, and nothing below it.
    await waitFor(() => expect(r.frame()).toMatch(/^Ctrl\+U \/ Ctrl\+K: remove all before/m));
    expect(r.frame()).not.toMatch(/↓ \d+ more/);
    // Scrolling the help moved no transcript, and Esc still closes it.
    await r.press(KEYS.escape);
    await waitFor(() => expect(r.frame()).not.toContain('Keys (? or Esc to close)'));
  });

  it('at 40 columns every wrapped help line starts under the descriptions, "(when)" too', async () => {
    const store = new FakeStore({ phase: 'live' });
    const r = await open(store, 40, 12);
    await r.press('?');
    // Down to the last binding (the message line's keys follow it).
    const escRow = /^Esc\s+cancel typing \/ close the help\s*$/m;
    for (let i = 0; i < 80 && !escRow.test(r.frame()); i++) await r.press(KEYS.down);
    // Esc's description says where it works: no "(typing)" that reads as "only while typing".
    await waitFor(() => expect(r.frame()).toMatch(escRow));
    const lines = r.frame().split('\n');
    const wrapped = lines.filter((line) => /^ {8}/.test(line));
    expect(wrapped.length).toBeGreaterThan(0);
    // The footer says what Esc does here: it closes the help.
    expect(r.frame()).toMatch(/Esc close/);
    for (const line of wrapped) expect(line).toMatch(/^ {8}\S/);
  });
});

describe('notices across a redial', () => {
  it('a note that comes with the new call being created is kept, the old notice goes', async () => {
    const store = new FakeStore({ phase: 'ended' });
    const r = render(
      <App
        store={store}
        note="not calling again: this call has only just started"
        stage={{ kind: 'call' }}
      />,
    );
    try {
      await waitFor(() => expect(r.lastFrame()).toContain('not calling again'));
      r.rerender(
        <App
          store={store}
          note="already calling again: one call at a time"
          stage={{ kind: 'dialing', number: 2 }}
        />,
      );
      await waitFor(() =>
        expect(r.lastFrame()).toContain('already calling again: one call at a time'),
      );
      expect(r.lastFrame()).not.toContain('not calling again');
    } finally {
      r.unmount();
    }
  });

  it('a notice about the last call goes when the next one is being created', async () => {
    const store = new FakeStore({ phase: 'ended' });
    const note = 'not calling again: Cannot read the prompt file /tmp/p.md: no such file.';
    const r = render(<App store={store} note={note} stage={{ kind: 'call' }} />);
    try {
      await waitFor(() => expect(r.lastFrame()).toContain('not calling again'));
      r.rerender(<App store={store} stage={{ kind: 'dialing', number: 2 }} />);
      // At once, not when the notice would have timed out by itself (TOAST_MS).
      await waitFor(
        () => expect(r.lastFrame()).not.toContain('not calling again'),
        1_000,
        'the notice gone',
      );
    } finally {
      r.unmount();
    }
  });
});

/** Each row of `frame` followed by the next (trailing spaces dropped), for a line over two rows. */
function twoRows(frame: string): string[] {
  const rows = frame.split('\n').map((row) => row.trimEnd());
  return rows.slice(0, -1).map((row, i) => row + rows[i + 1]);
}

describe('the info pane between calls', () => {
  it('names the agent of the call before (a redial calls it again), and no call', async () => {
    const store = pendingStore('Demo (demo)', {
      agent: { agentId: 'demo', agentName: 'Demo', local: true },
    });
    const r = await renderApp(store as unknown as FakeStore, { columns: 100, rows: 30 });
    const screen = r.frame().replace(/\u001b\[[0-9;]*m/g, '');
    expect(screen).toMatch(/(^|│| )agent +Demo \(demo\) · local(\s|│|$)/m);
    expect(screen).toMatch(/(^|│| )call +—(\s|│|$)/m);
    r.unmount();
  });

  it('after a failed redial, says the devices are not known without rows of — · —', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [40, 12],
      [100, 30],
    ] as const) {
      const store = pendingStore('Demo (demo)', {
        phase: 'error',
        error: 'could not call again: connect ECONNREFUSED 127.0.0.1:1',
      });
      // The pending store is a Store as the app gets it; the renderer's helper takes any.
      const r = await renderApp(store as unknown as FakeStore, { columns, rows });
      const screen = r.frame().replace(/\u001b\[[0-9;]*m/g, '');
      expect(screen, `${columns}x${rows}`).not.toMatch(/— · —/);
      expect(screen, `${columns}x${rows}`).toMatch(/(^|│| )in +—(\s|│|$)/m);
      if (rows > 12) expect(screen, `${columns}x${rows}`).toMatch(/(^|│| )out +—(\s|│|$)/m);
      r.unmount();
    }
  });
});
