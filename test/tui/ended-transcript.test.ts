/**
 * The `--transcript` file once a call has ended while the full-screen UI stays up (to be read,
 * saved, called again): it holds the final form (every turn, a typed message the server never
 * confirmed, and the summary) at once, not only after `q`, so a terminal closed on the ended
 * screen loses nothing; `r` and `q` later add to it (the next call, the call record) and lose
 * nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.js';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

/** The file once it holds `summaries` summaries (it is written when a call ends). */
function fileWith(path: string, summaries: number, what: string): Promise<string> {
  return waitFor(
    () => {
      try {
        const text = readFileSync(path, 'utf8');
        return count(text, '## Summary') >= summaries ? text : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 5_000, what },
  ).catch((error: unknown) => {
    let text = '(no file)';
    try {
      text = readFileSync(path, 'utf8');
    } catch {}
    throw new Error(`${(error as Error).message}; the file:\n${text}`);
  });
}

/** A greeting of 30 words: 5.4 s of the tone voice, longer than the call (`--duration 4`). */
const LONG_GREETING = Array.from({ length: 30 }, (_, i) => `word${i + 1}`).join(' ');

describe('a call that ended while the UI stays up', () => {
  it('is in the --transcript file in its final form at once; r and q later keep it whole', async () => {
    call = await startCall();
    const path = join(call.home, 'calls.md');
    const prompt = join(call.home, 'desk.md');
    writeFileSync(prompt, 'You run the front desk. Be brief.\n');
    const tui = await startTui({
      args: ['--api-base', call.agent.baseUrl, '--prompt', prompt, '--voice', 'Alex'].concat(
        ['--language', 'en-us', '--greeting', LONG_GREETING, '--duration', '4'],
        ['--input', 'none', '--output', 'none', '--transcript', path],
      ),
      env: call.env(),
      cwd: call.home,
      wrapInShell: true,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    // Typed while the agent greets: the server holds it until the greeting ends, after the call.
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type('one more thing');
    await tui.keys('Enter');
    await tui.waitForScreen((s) => /one more thing.*\(sent\)/.test(s), 'the message, sent');
    await tui.waitForScreen((s) => s.includes('call ended'), 'the first call to end', 15_000);

    // Nothing pressed: the screen is up, and the file already has the call's final form.
    const first = await fileWith(path, 1, 'the final form of the first call');
    expect(first).toContain('Ended: --duration 4s reached');
    expect(first).toMatch(/Duration:\*\* 4s/);
    expect(first).toMatch(
      /^\*\*User\*\* \(typed, \+0:0\d\): one more thing _\(sent, not confirmed\)_$/m,
    );
    expect(first).toContain('word1 word2');

    // r: the first call (now with its record) stays above the second, which ends the same way.
    await tui.keys('r');
    await tui.waitForScreen(
      (s) => isLive(s) && /call 2 ·/.test(s),
      'the second call to be live',
      20_000,
    );
    await tui.waitForScreen(
      (s) => /call 2 ·/.test(s) && s.includes('call ended'),
      'the second call to end',
      15_000,
    );
    const both = await fileWith(path, 2, 'the final form of both calls');
    expect(count(both, '# Omnia Voice call ')).toBe(2);
    expect(count(both, 'Ended: --duration 4s reached')).toBe(2);
    expect(count(both, 'one more thing _(sent, not confirmed)_')).toBe(1);
    // The second call's record is written into the file when it comes, while the screen waits.
    await waitFor(() => count(readFileSync(path, 'utf8'), 'Server end reason:') === 2, {
      what: "the second call's record in the file before q",
    });
    expect(both.indexOf('one more thing')).toBeLessThan(both.indexOf('# Omnia Voice call 2'));

    // q: the file's final form again; nothing else changes, nothing is there twice.
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /EXITED:\d+/.test(s), 'the app to end', 30_000);
    expect(end).toContain('EXITED:0');
    const last = readFileSync(path, 'utf8');
    expect(count(last, '# Omnia Voice call ')).toBe(2);
    expect(count(last, '## Summary')).toBe(2);
    expect(count(last, 'Ended: --duration 4s reached')).toBe(2);
    expect(count(last, 'Server end reason:')).toBe(2);
    expect(count(last, 'word1 word2')).toBe(2);
    expect(count(last, 'one more thing _(sent, not confirmed)_')).toBe(1);
  }, 90_000);
});

describe('keys for the call once it has ended', () => {
  it('Space (--ptt) and m change no mic of the ended call: the file has no mic event after the end', async () => {
    call = await startCall();
    const path = join(call.home, 'ptt.jsonl');
    const tui = await startTui({
      args: [...call.args, '--ptt', '--duration', '2'].concat([
        '--input',
        'none',
        '--output',
        'none',
        '--transcript',
        path,
      ]),
      env: call.env(),
      cwd: call.home,
      wrapInShell: true,
    });
    // Its record fetched and shown (`Server: …`): the app is idle again, so the keys below
    // each come in a read of their own (a busy app reads ` m` at once, and takes it for a paste).
    await tui.waitForScreen(
      (s) => s.includes('call ended') && s.includes('Server: lasted'),
      'the call to end, its summary whole',
      20_000,
    );
    // Space said nothing and wrote `mic live` into the events and the file.
    await tui.keys('Space');
    await tui.waitForScreen(
      (s) => s.includes('the call is over: Space opens no mic'),
      'why Space did nothing',
    );
    await tui.keys('Space');
    await tui.keys('m');
    await tui.waitForScreen(
      (s) => s.includes('the call is over: the call r makes starts muted'),
      'what m set',
    );
    await tui.keys('q');
    await tui.waitForScreen((s) => /EXITED:\d+/.test(s), 'the app to end', 30_000);
    const messages = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { kind?: string; message?: string })
      .filter((entry) => typeof entry.message === 'string')
      .map((entry) => entry.message as string);
    const ended = messages.findIndex((m) => m.startsWith('call ended'));
    expect(ended).toBeGreaterThan(0);
    expect(messages.slice(ended).filter((m) => /^(mic|mute)\b/.test(m))).toEqual([]);
  }, 60_000);
});
