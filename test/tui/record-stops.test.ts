/**
 * `--record` that cannot be written on mid-call, full screen in a real terminal (tmux): the
 * screen stays (before, it vanished 1 s in, leaving only `fatal: cannot write …`), the error is
 * on it, and the call ends at its `--duration` with the summary naming the recording as stopped.
 * The disk is a tmpfs of 64 KB (root only; `test/e2e/full-disk.test.ts` has the plain-mode
 * cases), and a file-size limit (`prlimit --fsize`, any user): Node ignores the SIGXFSZ a write
 * past it raises, so the write fails with EFBIG; the full-screen UI's signal-exit (Ink's) listens
 * for SIGXFSZ and re-raised it, which killed the app (exit 153), until the app's own lifecycle
 * listened for it too. The info pane's `record` fact, which names the file while it records, says
 * where and why it stopped, in the same place, for the rest of the call and on the ended screen.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountTinyDisk, prlimitMissing, type TinyDisk } from '../helpers/full-disk.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, shQuote, startTui } from './tmux.js';

let call: CallFixture | undefined;
let disk: TinyDisk | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
  disk?.unmount();
  disk = undefined;
});

/** A call with no devices, recorded to `record`, that ends after `seconds`. */
function recordingCall(fixture: CallFixture, record: string, seconds: number): string[] {
  const devices = ['--input', 'none', '--output', 'none'];
  return [
    ...fixture.args,
    ...devices,
    '--record',
    record,
    '--duration',
    String(seconds),
    '--no-call-record',
  ];
}

describe('--record stopped mid-call (full screen, tmux)', () => {
  it('the call goes on with the error on screen, and ends at its --duration with its summary', async (ctx) => {
    call = await startCall();
    const mounted = mountTinyDisk(call.home, 64 * 1024);
    skipWhenMissing(ctx, typeof mounted === 'string' ? mounted : undefined, { installable: false });
    disk = mounted as TinyDisk;
    const record = join(disk.dir, 'rec.wav');
    const tui = await startTui({
      args: recordingCall(call, record, 5),
      env: call.env(),
      cwd: call.home,
      width: 160,
      wrapInShell: true,
    });
    const stopped = await tui.waitForScreen(
      (s) => /recording stopped at 0:00: cannot write .*rec\.wav: the disk is full/.test(s),
      'the recording error on screen',
    );
    // Still the call's screen, after the fault.
    expect(isLive(stopped), stopped).toBe(true);
    const later = await tui.waitForScreen((s) => /\blive 0:0[3-9]/.test(s), 'the call going on');
    expect(later).not.toContain('fatal');
    // Where the info pane named the file: that it stopped, when and why.
    expect(later).toMatch(/│record {2}stopped at 0:00: the disk is full$/m);
    // The call ends at its --duration, as any call does; q leaves, and the summary follows.
    const ended = await tui.waitForScreen(
      (s) => s.includes('call ended: --duration 5s reached'),
      'the end',
    );
    expect(ended).toMatch(/│record {2}stopped at 0:00: the disk is full$/m);
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(end).toMatch(/^EXITED:0$/m);
    expect(end).not.toContain('fatal');
    expect(end).toMatch(/^Ended: --duration 5s reached$/m);
    expect(end).toContain(`Recording: ${record} (stopped at 0:00: the disk is full)`);
  }, 60_000);

  it('past a file-size limit (EFBIG, SIGXFSZ): the same, not the app killed by the signal', async (ctx) => {
    skipWhenMissing(ctx, prlimitMissing());
    call = await startCall();
    const record = join(call.home, 'rec.wav');
    const tui = await startTui({
      args: recordingCall(call, record, 4),
      env: call.env(),
      cwd: call.home,
      width: 160,
      shell: (app) =>
        `${['prlimit', '--fsize=65536'].map(shQuote).join(' ')} ${app}; echo EXITED:$?; sleep 120`,
    });
    const stopped = await tui.waitForScreen(
      (s) =>
        /recording stopped at 0:00: cannot write .*rec\.wav/.test(s) || /^EXITED:\d+$/m.test(s),
      'the recording error on screen',
    );
    expect(stopped).not.toMatch(/^EXITED:/m);
    expect(isLive(stopped), stopped).toBe(true);
    await tui.waitForScreen(
      (s) => /│record {2}stopped at 0:00: file too large$/m.test(s),
      'the record fact saying it stopped',
    );
    await tui.waitForScreen((s) => s.includes('call ended: --duration 4s reached'), 'the end');
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(end).toMatch(/^EXITED:0$/m);
    expect(end).toMatch(/^Recording: .*rec\.wav \(stopped at 0:00: /m);
  }, 60_000);
});
