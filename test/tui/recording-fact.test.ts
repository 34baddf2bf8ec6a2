/**
 * `--record` on the full screen: a new-user trial found nothing on screen that said the call was
 * being recorded (the info pane, `d` too), only `Recording: …` after quitting. The info pane
 * says it, and to which file (under the home folder as `~/…`), in the side pane and in the
 * narrow layout's bottom pane. In a real terminal (tmux); a recording that stops is
 * `record-stops.test.ts`.
 */
import { mkdirSync } from 'node:fs';
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

describe('--record on the full screen', () => {
  it('the info pane says the call is recorded, and to which file (200×50, then 80×24)', async () => {
    call = await startCall();
    // The fixture's HOME: the file is shown as `~/x/big.wav`.
    mkdirSync(join(call.home, 'x'));
    const record = join(call.home, 'x', 'big.wav');
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'none', '--record', record],
      env: call.env(),
      cwd: call.home,
      width: 200,
      height: 50,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    await tui.keys('d');
    const wide = await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    // Under the echo fact, the events pane below it.
    expect(wide).toMatch(/│echo {4}off: .*\n.*│record {2}~\/x\/big\.wav\n.*│Events \(\d+\)/);
    await tui.resize(80, 24);
    const narrow = await tui.waitForScreen(
      (s) => /^record ~\/x\/big\.wav +out /m.test(s),
      'the narrow layout',
    );
    // The sixth row of the bottom pane, under the echo fact, beside the output's fact.
    expect(narrow).toMatch(/^echo off: .*\nrecord ~\/x\/big\.wav +out {5}voice · /m);
  }, 60_000);
});
