/**
 * The summary of a call that has ended, on the full screen while it waits for `r` or `q`: a
 * new-user trial saw only `■ call ended` and the info pane, with `d` too, and the turns, the
 * response latency and the server's record only on stderr after `q`. It follows the call's
 * conversation in the transcript pane, in the words the end of the run prints (`formatSummary`),
 * the record's `Server …` lines once they come; a redial's call gets its own when it ends. In a
 * real terminal (tmux), at 200×50 and at 40×12.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/cli.js';
import { startOmniaDouble } from '../omnia/double.js';
import { KEY, omniaEnv } from '../omnia/helpers.js';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, screenLines, startTui } from './tmux.js';

let call: CallFixture | undefined;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
  await Promise.all(closing.splice(0).map((close) => close()));
});

const QUIET = ['--input', 'none', '--output', 'none'];

function count(text: string, what: string | RegExp): number {
  return text.split(what).length - 1;
}

/**
 * A call of `seconds` to the Omnia double, whose record is complete `recordDelayMs` after the
 * call, in tmux at 200×50; `recordWaitMs`: how long the app waits for it at the call's end.
 */
async function omniaCall(o: { recordDelayMs: number; seconds: number; recordWaitMs?: number }) {
  const server = await startOmniaDouble({
    apiKey: KEY,
    agents: [{ id: 'agt_front', name: 'Front Desk' }],
    recordDelayMs: o.recordDelayMs,
  });
  closing.push(() => server.close());
  const home = tempDir('omnia-ended-');
  const duration = ['--duration', String(o.seconds)];
  const tui = await startTui({
    args: ['--agent', 'agt_front', ...QUIET, ...duration, '--api-base', server.baseUrl],
    env: {
      ...omniaEnv(home),
      ...(o.recordWaitMs ? { OMNIA_RECORD_WAIT_MS: String(o.recordWaitMs) } : {}),
    },
    cwd: home,
    width: 200,
    height: 50,
    wrapInShell: true,
  });
  return { server, tui };
}

/** A call to the local agent with `args`, in tmux (200×50 unless said), its shell after it. */
async function localCall(
  args: string[],
  o: { width?: number; height?: number; shell?: boolean } = {},
) {
  call = await startCall();
  return startTui({
    args: [...call.args, ...QUIET, ...args],
    env: call.env(),
    cwd: call.home,
    width: o.width ?? 200,
    height: o.height ?? 50,
    wrapInShell: o.shell ?? true,
  });
}

/** The rule over a call's summary in the transcript. */
const RULE = /─+ summary ─+/;

describe('the summary of an ended call, on the full screen', () => {
  it('follows the conversation with the server record, and a redial gets its own (200×50)', async () => {
    const tui = await localCall(['--duration', '3']);
    await tui.waitForScreen(isLive, 'the call to be live');
    // Nothing pressed: the ended screen shows the summary, the record's lines once they come.
    const ended = await tui.waitForScreen(
      (s) => s.includes('call ended') && s.includes('Server: lasted'),
      'the summary with the server record',
      20_000,
    );
    const lines = screenLines(ended);
    const rule = lines.findIndex((line) => RULE.test(line));
    expect(rule, ended).toBeGreaterThan(0);
    // Under the conversation, in the transcript's text column, the end's own words.
    expect(lines.slice(0, rule).join('\n')).toMatch(/^Agent {2}Hello!/m);
    const summary = lines.slice(rule + 1, rule + 8).map((line) => line.split('│')[0]?.trim());
    expect(summary, ended).toEqual([
      'Call lasted 3s',
      'Ended: --duration 3s reached',
      expect.stringMatching(/^Turns: 1 \(user 0, agent 1\), interruptions: 0\b/),
      'Response latency: not measured',
      'Server end reason: the caller hung up (user_hangup)',
      expect.stringMatching(/^Server: lasted 3s, billed 1 min, cost \$0\.00$/),
      expect.stringMatching(/^Server summary: A call with Demo\./),
    ]);
    // `d`: the events pane opens beside it; the summary stays.
    await tui.keys('d');
    const details = await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events');
    expect(details).toMatch(RULE);
    expect(details).toContain('Response latency: not measured');

    // r: a fresh call, with no summary while it goes on; the first call's stays above it.
    await tui.keys('r');
    const second = await tui.waitForScreen(
      (s) => isLive(s) && /call 2 ·/.test(s),
      'the second call to be live',
      20_000,
    );
    expect(count(second, RULE), second).toBe(1);
    expect(second.indexOf('Call lasted 3s')).toBeLessThan(second.search(/─+ call 2 ·/));
    // It ends: its own summary, under it, with its own record.
    const both = await tui.waitForScreen(
      (s) => count(s, RULE) === 2 && count(s, 'Server: lasted') === 2,
      'the second summary',
      20_000,
    );
    expect(both.search(/─+ call 2 ·/)).toBeLessThan(both.lastIndexOf('Call lasted 3s'));
    expect(count(both, 'Call lasted 3s')).toBe(2);

    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(end).toMatch(/^EXITED:0$/m);
    // The same lines on stderr after quitting.
    expect(count(end, /^Server end reason: the caller hung up \(user_hangup\)$/m)).toBe(2);
  }, 90_000);

  it('fits 40×12: the layout whole, the summary scrolled back to', async () => {
    const tui = await localCall(['--duration', '2'], { width: 40, height: 12, shell: false });
    // The transcript's two rows follow the summary's end: the server summary's last word.
    const ended = await tui.waitForScreen(
      (s) => /ended 0:02/.test(s) && /^ +up\.$/m.test(s),
      'the end of the summary',
      20_000,
    );
    const lines = screenLines(ended);
    // The header on the first row, the footer on the last, the info pane between: nothing
    // pushed off, nothing wider than the screen.
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(/ended 0:02$/);
    expect(lines.at(-1)).toMatch(/q quit$/);
    expect(ended).toMatch(/^■ call ended/m);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(40);
    // ↑ scrolls back through the whole summary to its start, the layout unchanged.
    let screen = ended;
    const seen: string[] = [];
    for (let i = 0; i < 30 && !screen.includes('Call lasted 2s'); i++) {
      const before = screen;
      await tui.keys('Up');
      // One row a key: each one moves the view (the next key waits for it).
      screen = await tui.waitForScreen((s) => s !== before, 'the view to move up a row');
      seen.push(screen);
    }
    expect(screen).toContain('Call lasted 2s');
    expect(screenLines(screen)).toHaveLength(12);
    expect(screenLines(screen)[0]).toMatch(/ended 0:02$/);
    expect(screen).toMatch(/↓ \d+ more · End to follow/);
    const passed = seen.join('\n');
    expect(passed).toContain('Response latency: not measured');
    expect(passed).toContain('Server end reason: the caller');
    expect(passed).toContain('Server: lasted 2s, billed 1 min,');
  }, 60_000);

  it('says the record is being fetched, then shows it when it comes (Omnia)', async () => {
    // Incomplete for 2.5 s after the call: polled every 200 ms meanwhile.
    const { server, tui } = await omniaCall({ recordDelayMs: 2_500, seconds: 2 });
    const fetching = await tui.waitForScreen(
      (s) => s.includes('call ended') && s.includes('Call lasted 2s'),
      'the summary',
      20_000,
    );
    expect(fetching).toMatch(/^ +Call record: fetching…/m);
    expect(fetching).not.toContain('Server:');
    // No key pressed: the record's lines take its place.
    const record = await tui.waitForScreen(
      (s) => s.includes('Server: lasted'),
      'the server record',
      20_000,
    );
    expect(record).toMatch(/^ +Server end reason: the caller hung up \(user_hangup\)/m);
    expect(record).toMatch(/^ +Server summary: The double greeted the caller/m);
    expect(record).not.toContain('Call record: fetching');
    // Asked for once: quitting uses what came.
    const asks = () =>
      server.requests.filter((r) => r.method === 'GET' && /^\/calls\/[^/?]+$/.test(r.path));
    const before = asks().length;
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(end).toMatch(/^Server: lasted/m);
    expect(asks().length).toBe(before);
  }, 60_000);

  it('the transcript file holds the record the ended screen shows, before anyone quits; s too', async () => {
    const tui = await localCall(['--duration', '2', '--transcript', 'call.md']);
    await tui.waitForScreen((s) => s.includes('Server: lasted'), 'the server record', 20_000);
    const followed = join(call!.home, 'call.md');
    await waitFor(() => readFileSync(followed, 'utf8').includes('- Server: lasted'), {
      what: 'the record in the followed file',
    });
    expect(readFileSync(followed, 'utf8')).toMatch(/^- Server end reason: the caller hung up/m);
    // A save with `s` on the ended screen writes it too.
    await tui.keys('s');
    const saved = await tui.waitForScreen((s) => /transcript saved/.test(s), 'the save');
    expect(saved).toMatch(/transcript saved (again )?to /);
    expect(readFileSync(followed, 'utf8')).toContain('- Server: lasted');
    await tui.keys('q');
    await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
  }, 60_000);

  it('s on the ended screen saves the record the screen shows', async () => {
    const tui = await localCall(['--duration', '2']);
    await tui.waitForScreen((s) => s.includes('Server: lasted'), 'the server record', 20_000);
    await tui.keys('s');
    await tui.waitForScreen((s) => /transcript saved to /.test(s), 'the save');
    const dir = join(call!.home, '.local', 'share', 'omnia-voice', 'transcripts');
    const [file] = readdirSync(dir);
    expect(file).toBeDefined();
    const text = readFileSync(join(dir, file!), 'utf8');
    expect(text).toContain('- Server: lasted');
    expect(text).toMatch(/^- Server end reason: the caller hung up/m);
  }, 60_000);

  it("a record the call's end gave up on is asked for again when you quit", async () => {
    // The wait at the call's end: shorter than the record takes.
    const { tui } = await omniaCall({ recordDelayMs: 3_000, seconds: 1, recordWaitMs: 1_000 });
    await tui.waitForScreen((s) => /^ +Call record: .*not complete/m.test(s), 'the early give-up');
    // The screen waits; by now the record is complete.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit', 20_000);
    expect(end).toMatch(/^EXITED:0$/m);
    expect(end).toMatch(/^Server: lasted/m);
    expect(end).not.toMatch(/^Call record: .*not complete/m);
  }, 60_000);
});
