/**
 * The in-call keys of the full-screen UI, driven in a real terminal (tmux) against the local
 * agent in this process, so each test checks both the screen and what the agent received.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { rms } from '../helpers/signal.js';
import {
  readOnlyDir,
  unprivilegedMissing,
  unprivilegedShellPrefix,
} from '../helpers/unprivileged.js';
import { CALL_BYTES_PER_S, type CallFixture, loudToneWav, peak, startCall } from './fixtures.js';
import { isLive, killAllTuis, startTui, type Tui, until } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

async function startApp(
  args: string[],
  env: Record<string, string> = {},
  size: { width?: number; height?: number } = {},
): Promise<{ tui: Tui; call: CallFixture }> {
  call = await startCall();
  const tui = await startTui({
    args: [...call.args, ...args],
    env: call.env(env),
    cwd: call.home,
    ...size,
  });
  await tui.waitForScreen(isLive, 'the call to be live');
  return { tui, call };
}

/** `text` as a regular expression matching it literally. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Waits until the agent has received `seconds` more audio, then returns the latest `tailS`. */
async function nextAudio(fixture: CallFixture, seconds: number, tailS: number): Promise<Buffer> {
  const record = () => fixture.agent.calls[0];
  const start = record()?.bytesReceived ?? 0;
  const want = start + Math.round(seconds * CALL_BYTES_PER_S);
  await until(() => (record()?.bytesReceived ?? 0) >= want, `${seconds} s more audio`);
  const audio = record()?.audio ?? Buffer.alloc(0);
  const tailBytes = Math.round(tailS * CALL_BYTES_PER_S) & ~1;
  return audio.subarray(Math.max(0, audio.length - tailBytes));
}

/** `t`, then wait for the message line. */
async function openLine(tui: Tui): Promise<void> {
  await tui.keys('t');
  await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
}

/** The texts of the typed messages the agent received, in order. */
function typedMessages(call: CallFixture): unknown[] {
  return (call.agent.calls[0]?.clientMessages ?? [])
    .filter((m) => m.type === 'user_text_message')
    .map((m) => (m as { text?: unknown }).text);
}

describe('in-call keys in a real terminal', () => {
  it('m mutes: MUTED on screen and the agent receives digital silence; m again: sound again', async () => {
    const wav = loudToneWav(tempDir('omnia-tui-wav-'));
    // The echo guard would also silence the mic while the agent speaks: keep it out of this.
    const { tui, call } = await startApp(['--input', wav, '--output', 'none', '--no-echo-guard']);

    const before = await nextAudio(call, 0.5, 0.4);
    expect(rms(before)).toBeGreaterThan(0.2);
    expect(await tui.capture()).not.toContain('MUTED');

    await tui.keys('m');
    await tui.waitForScreen((s) => s.includes('MUTED'), 'MUTED on screen');
    // Audio already on its way when the key was read may still arrive: look past it.
    const muted = await nextAudio(call, 1, 0.5);
    expect(muted.length).toBeGreaterThan(0);
    expect(peak(muted)).toBe(0);
    // The call stays up while muted: the mic meter shows silence.
    expect(await tui.capture()).toMatch(/mic\s+[·│]+\s+-∞ dB/);

    await tui.keys('m');
    await tui.waitForScreen((s) => !s.includes('MUTED') && s.includes('mic live'), 'mic live');
    const unmuted = await nextAudio(call, 1, 0.5);
    expect(rms(unmuted)).toBeGreaterThan(0.2);
  }, 60_000);

  it('t sends a typed message; the agent answers on screen', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    await openLine(tui);
    // Shortcut letters are text while typing: "m", "q", "d" must not mute, quit or toggle.
    await tui.type('hello from tmux, mind the q and d');
    await tui.waitForScreen((s) => s.includes('mind the q and d'), 'the typed text');
    await tui.keys('Enter');
    const screen = await tui.waitForScreen(
      (s) => s.includes('You typed: hello from tmux, mind the q and d'),
      "the agent's answer",
    );
    expect(screen).toContain('(typed)');
    expect(screen).not.toContain('MUTED');
    expect(screen).not.toContain('say:');
    expect(typedMessages(call)).toEqual(['hello from tmux, mind the q and d']);
  }, 60_000);

  it('keys that reach the app in one read all edit the message line, in order', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    await openLine(tui);
    await tui.type('hello');
    await tui.waitForScreen((s) => s.includes('say: hello'), 'the typed text');
    // One write each, as a fast typist over SSH or a held key delivers them: " world",
    // Backspace, "D"; then three Left arrows, "X" and Enter.
    const hex = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => b.toString(16));
    await tui.keys('-H', ...hex(' world\u007fD'));
    await tui.waitForScreen((s) => s.includes('say: hello worlD'), 'every key of the read');
    await tui.keys('-H', ...hex('\u001b[D\u001b[D\u001b[DX\r'));
    await tui.waitForScreen((s) => s.includes('You typed: hello woXrlD'), "the agent's answer");
    expect(typedMessages(call)).toEqual(['hello woXrlD']);
    // Printable keys in one read in call mode: `t` opens the line, the rest is its text; in
    // the line, Enter sends and the keys after it are commands again (`d`: the events pane).
    await tui.keys('-H', ...hex('tq'));
    await tui.waitForScreen((s) => s.includes('say: q'), 't then q');
    await tui.keys('-H', ...hex('uit?\rd'));
    await tui.waitForScreen(
      (s) => s.includes('You typed: quit?') && /Events \(\d+\)/.test(s),
      'the line sent, then the events pane',
    );
    expect(typedMessages(call)).toEqual(['hello woXrlD', 'quit?']);
    // Ctrl+letter keys inside a read act where they were typed: "xy", Ctrl+A, "z", Ctrl+E, "!".
    await openLine(tui);
    await tui.keys('-H', ...hex('xy\u0001z\u0005!'));
    await tui.waitForScreen((s) => s.includes('say: zxy!'), 'the edits in order');
    await tui.keys('-H', ...hex('\u0015ok\r'));
    await tui.waitForScreen((s) => s.includes('You typed: ok'), 'the cleared line sent');
    expect(typedMessages(call)).toEqual(['hello woXrlD', 'quit?', 'ok']);
  }, 60_000);

  it('Esc and a key in one read are both keys; Delete removes forward; Alt+B a word back', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    const hex = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => b.toString(16));
    await openLine(tui);
    await tui.type('abcdef');
    await tui.waitForScreen((s) => s.includes('say: abcdef'), 'the typed text');
    // Home, Right twice: the cursor on "c"; the Delete key removes it (not the "b" before it).
    await tui.keys('Home', 'Right', 'Right', 'DC');
    // Alt+B (ESC b): back to the start of the word; "X" goes there.
    await tui.keys('-H', ...hex('\u001bbX'));
    await tui.waitForScreen((s) => s.includes('say: Xabdef'), 'Delete forward, then a word back');
    // Esc then d in one write (a fast typist, tmux): the line closes, d opens the events pane,
    // and nothing is sent.
    await tui.keys('-H', ...hex('\u001bd'));
    await tui.waitForScreen(
      (s) => !s.includes('say:') && /Events \(\d+\)/.test(s),
      'the line closed and the events pane open',
    );
    // In the help too: Esc closes it, and t opens the message line.
    await tui.keys('?');
    await tui.waitForScreen((s) => s.includes('Esc close'), 'the help');
    await tui.keys('-H', ...hex('\u001bt'));
    await tui.waitForScreen((s) => s.includes('say:'), 'the help closed and the line open');
    expect(typedMessages(call)).toEqual([]);
    // A kitty-protocol Alt+D (`CSI 100;3u`) is Alt+D, not Esc then d: the line stays open, its
    // text kept; an Alt+Q in call mode quits nothing.
    await tui.type('kept');
    await tui.waitForScreen((s) => s.includes('say: kept'), 'the text');
    await tui.keys('-H', ...hex('\u001b[100;3u'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await tui.capture()).toContain('say: kept');
    await tui.keys('Escape');
    await tui.waitForScreen((s) => !s.includes('say:'), 'the line closed by Esc alone');
    await tui.keys('-H', ...hex('\u001b[113;3u'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const after = await tui.capture();
    expect(isLive(after)).toBe(true);
    expect(after).not.toMatch(/hanging up|call ended/);
  }, 60_000);

  it('a paste the terminal did not bracket is still text in call mode, never commands', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    // One read of printable keys, as a terminal without bracketed paste delivers a paste: as
    // commands it would interrupt (i), save (s) and hang up (q).
    const hex = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => b.toString(16));
    await tui.keys('-H', ...hex('Is this quick?'));
    const screen = await tui.waitForScreen(
      (s) => s.includes('say: Is this quick?'),
      'the text in the message line',
    );
    expect(screen).not.toContain('transcript saved');
    expect(screen).toMatch(/\blive \d+:\d\d/);
    expect(typedMessages(call)).toEqual([]);
    await tui.keys('Enter');
    await tui.waitForScreen((s) => s.includes('You typed: Is this quick?'), "the agent's answer");
    // The same with the help open: it closes, and the text opens the message line, as a
    // bracketed paste does there. As keys, the q in it hung up and quit.
    await tui.keys('?');
    await tui.waitForScreen((s) => s.includes('Keys (? or Esc to close)'), 'the help');
    await tui.keys('-H', ...hex('what is your quota'));
    const fromHelp = await tui.waitForScreen(
      (s) => s.includes('say: what is your quota'),
      'the text in the message line, the help closed',
    );
    expect(fromHelp).toMatch(/\blive \d+:\d\d/);
    expect(fromHelp).not.toContain('Keys (? or Esc to close)');
    expect(typedMessages(call)).toEqual(['Is this quick?']);
  }, 60_000);

  it('an Enter in one read with keys is a key: md Enter mutes and opens the events; t, text, Enter sends', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    // Each write one read: two keys and Enter were taken for a paste (`say: md`).
    await tui.type('md\r');
    const muted = await tui.waitForScreen(
      (s) => s.includes('MUTED') && /Events \(\d+\)/.test(s),
      'muted, and the events pane open',
    );
    expect(muted).not.toContain('say:');
    await tui.type('tx\r');
    await tui.waitForScreen((s) => s.includes('You typed: x'), "the agent's answer to x");
    // t, a message and Enter typed ahead: the message alone is sent, and the line closes.
    await tui.type('tmessage number 13\r');
    const sent = await tui.waitForScreen(
      (s) => s.includes('You typed: message number 13'),
      "the agent's answer to the message",
    );
    expect(sent).not.toContain('say:');
    expect(typedMessages(call)).toEqual(['x', 'message number 13']);
  }, 60_000);

  it('a paste is text, never keys: lines joined in the message line, sent only by Enter', async () => {
    const { tui, call } = await startApp(['--input', 'none', '--output', 'none']);
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    // tmux pastes bracketed when the app asked for it (`paste-buffer -p`), as terminals do.
    await tui.pasteText('quit the save\nsecond line');
    await tui.waitForScreen((s) => s.includes('say: quit the save second line'), 'the pasted text');
    // Nothing in it ran: no hang-up (q), no save (s), no events pane (d).
    let screen = await tui.capture();
    expect(screen).not.toMatch(/Events \(\d+\)/);
    expect(screen).not.toContain('transcript saved');
    expect(typedMessages(call)).toEqual([]);
    await tui.keys('Enter');
    screen = await tui.waitForScreen(
      (s) => s.includes('You typed: quit the save second line'),
      "the agent's answer",
    );
    expect(typedMessages(call)).toEqual(['quit the save second line']);
    expect(isLive(screen)).toBe(true);
  }, 60_000);

  it('s saves the transcript into the transcript dir and says where', async () => {
    const dir = join(tempDir('omnia-tui-saved-'), 'transcripts');
    const { tui } = await startApp(['--input', 'none', '--output', 'none'], {
      OMNIA_TRANSCRIPT_DIR: dir,
    });
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    await tui.keys('s');
    const screen = await tui.waitForScreen(
      (s) => s.includes('transcript saved to'),
      'the saved notice',
    );
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const path = join(dir, files[0] ?? '');
    // The notice names the file (possibly cut to the width, never without the directory).
    const shown = /transcript saved to (\S+)/.exec(screen)?.[1] ?? '';
    expect(path.startsWith(shown.replace(/…$/, ''))).toBe(true);
    expect(shown.length).toBeGreaterThan(dir.length);
    // On a loaded machine the greeting may still be on its way when s is pressed: the saved
    // file follows the call, so it gets there.
    await until(
      () => readFileSync(path, 'utf8').includes('I am the Omnia local demo agent'),
      'the greeting in the file',
    );
  }, 60_000);

  it("s, then q: the end names the saved file once, as the summary's Transcript: line", async () => {
    const dir = join(tempDir('omnia-tui-saved-'), 'transcripts');
    call = await startCall();
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'none'],
      env: call.env({ OMNIA_TRANSCRIPT_DIR: dir }),
      cwd: call.home,
      wrapInShell: true,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    await tui.keys('s');
    await tui.waitForScreen((s) => s.includes('transcript saved to'), 'the saved notice');
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the shell');
    const path = join(dir, readdirSync(dir)[0] ?? '');
    const lines = end.split('\n').map((l) => l.trimEnd());
    expect(
      lines.filter((l) => l.includes(path)),
      end,
    ).toEqual([`Transcript: ${path}`]);
    expect(end).not.toContain('transcript saved to');
  }, 60_000);

  it('s into a folder that cannot be made says so, and the end does not claim a saved file', async () => {
    // The transcript "folder" is a regular file: nothing can be written under it.
    const notADir = join(tempDir('omnia-tui-saved-'), 'exist.md');
    writeFileSync(notADir, 'not a folder');
    call = await startCall();
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'none'],
      env: call.env({ OMNIA_TRANSCRIPT_DIR: notADir }),
      cwd: call.home,
      wrapInShell: true,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    await tui.keys('s');
    const screen = await tui.waitForScreen(
      (s) => s.includes('could not write transcript'),
      'the failure notice',
    );
    expect(screen).not.toContain('transcript saved to');
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the shell');
    expect(end).toMatch(/^Transcript: NOT saved: could not write transcript /m);
    expect(end).not.toContain('transcript saved to');
    expect(readFileSync(notADir, 'utf8')).toBe('not a folder');
  }, 60_000);

  it('s in a HOME that cannot be written: the notice keeps the reason whole and says the way out, as the end does', async (ctx) => {
    skipWhenMissing(ctx, unprivilegedMissing());
    // The trial's case: a HOME of mode 555 without .local, the default transcript folder in it,
    // the app run by a user held to the mode (nobody, as root), 100 columns.
    const home = readOnlyDir('omnia-tui-rohome-');
    const logs = tempDir('omnia-tui-rolog-');
    const log = join(logs, 'err.log');
    call = await startCall();
    const env: NodeJS.ProcessEnv = { ...call.env(), HOME: home };
    delete env.XDG_CONFIG_HOME;
    delete env.XDG_DATA_HOME;
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'none'],
      env,
      cwd: home,
      shell: (app) => `${unprivilegedShellPrefix()}${app} 2> ${log}; echo EXITED:$?; sleep 120`,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    await tui.keys('s');
    const screen = await tui.waitForScreen(
      (s) => s.includes('could not write transcript'),
      'the failure notice',
    );
    const rows = screen.split('\n');
    const at = rows.findIndex((row) => row.startsWith('could not write transcript'));
    const notice = `${rows[at]}${rows[at + 1]}`.replace(/\s+/g, '');
    const wayOut =
      'set another folder (omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR)';
    // Its path under HOME as `~/…` (given way in its middle where it must), its reason whole,
    // and what to do.
    expect(notice, screen).toMatch(
      new RegExp(
        `^couldnotwritetranscript~/\\.local/\\S*_demo_[0-9a-f]{8}\\.md:permissiondenied;${literally(wayOut.replace(/\s+/g, ''))}$`,
      ),
    );
    await tui.keys('q');
    await tui.waitForScreen((s) => /^EXITED:0$/m.test(s), 'the shell');
    const said = readFileSync(log, 'utf8');
    const file = join(home, '.local', 'share', 'omnia-voice', 'transcripts');
    expect(said).toMatch(
      new RegExp(
        `^Transcript: NOT saved: could not write transcript ${literally(file)}/\\S+_demo_[0-9a-f]{8}\\.md: permission denied; ${literally(wayOut)}$`,
        'm',
      ),
    );
  }, 60_000);

  it('s with --transcript writes that file', async () => {
    const path = join(tempDir('omnia-tui-saved-'), 'call.txt');
    const { tui } = await startApp(['--input', 'none', '--output', 'none', '--transcript', path]);
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    await tui.keys('s');
    await tui.waitForScreen((s) => s.includes(`transcript saved to ${path}`), 'the saved notice');
    // The greeting's final transcript may trail the state change on a loaded machine: the file
    // follows the call, so it gets there.
    await until(
      () => readFileSync(path, 'utf8').includes('I am the Omnia local demo agent'),
      'the greeting in the file',
    );
  }, 60_000);

  it('s with --transcript to a FIFO says it goes there at the end, not that it was saved', async () => {
    const fifo = join(tempDir('omnia-tui-saved-'), 'transcript.md');
    execFileSync('mkfifo', [fifo]);
    // A reader from the start, as `cat fifo` in another terminal.
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => {
      read += chunk.toString();
    });
    try {
      const { tui } = await startApp(['--input', 'none', '--output', 'none', '--transcript', fifo]);
      await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
      await tui.keys('s');
      const screen = await tui.waitForScreen(
        (s) => s.includes('when the call ends'),
        'the notice that the FIFO gets it at the end',
      );
      expect(screen).not.toContain('transcript saved to');
      expect(read).toBe('');
      await tui.keys('q');
      await until(
        () => read.includes('I am the Omnia local demo agent'),
        'the transcript at the end',
      );
    } finally {
      reader.kill();
    }
  }, 60_000);

  it('i interrupts the agent while it speaks: queued audio dropped, turn marked interrupted', async () => {
    // 80 columns: the events pane runs the full width under the info pane, so lines are whole.
    const { tui } = await startApp(
      ['--input', 'none', '--output', 'none'],
      {},
      { width: 80, height: 24 },
    );
    // The agent sends faster than real time, so most of the greeting waits in the queue.
    await tui.waitForScreen(
      (s) => s.includes('speaking') && /queued\s+[1-9]\d{2,} ms/.test(s),
      'the agent speaking with audio queued',
    );
    await tui.keys('i');
    const screen = await tui.waitForScreen(
      (s) => s.includes('— interrupted'),
      'the turn marked interrupted',
    );
    expect(screen).toMatch(/^Agent\s+Hello!/m);
    await tui.waitForScreen((s) => /queued\s+0 ms/.test(s), 'the queue to be empty');
    await tui.keys('d');
    const events = await tui.waitForScreen(
      // `: none of the reply was heard yet` when `i` came before its first audio was heard.
      (s) => /interrupted the agent \([1-9]\d* ms of agent audio dropped[):]/.test(s),
      'the interrupt event with the dropped audio',
    );
    expect(events).toContain('interrupted');
  }, 60_000);
});
