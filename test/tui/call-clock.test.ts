/**
 * The call's two clocks in a real terminal (tmux): the header's (`live 0:07`) and the info
 * pane's (`time 0:07`) show the same value on every frame, while the agent speaks and the info
 * pane draws for other reasons (queued audio, round trips) between the clock's ticks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CallFixture, startCall } from './fixtures.js';
import { isLive, killAllTuis, screenLines, startTui, type Tui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

interface Clocks {
  readonly header: string | undefined;
  readonly info: string | undefined;
  readonly speaking: boolean;
}

/** The header's call clock (`live 0:07`) and the info pane's (`│time    0:07`). */
function clocksOf(screen: string): Clocks {
  const lines = screenLines(screen);
  const header = /\blive (\d+:\d\d)\s*$/.exec(lines[0] ?? '')?.[1];
  const info = lines.map((l) => /│time\s+(\d+:\d\d)/.exec(l)?.[1]).find((v) => v !== undefined);
  return { header, info, speaking: screen.includes('speaking') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A capture may fall in the middle of a frame (a frame reaches tmux in pieces): a disagreement
 * counts only when captures over the next 150 ms all show the same one. A stale clock lasts up
 * to a second; a torn frame lasts a few ms, and on a loaded machine as long as tmux takes to
 * read the rest of the frame (a CI run beside a trial saw one outlast a recheck at 30 ms).
 */
async function sample(tui: Tui): Promise<Clocks> {
  const first = clocksOf(await tui.capture());
  if (first.header === first.info) return first;
  for (const wait of [30, 50, 70]) {
    await sleep(wait);
    const again = clocksOf(await tui.capture());
    if (again.header !== first.header || again.info !== first.info) return again;
  }
  return first;
}

describe('the call clocks', () => {
  it('header and info pane show the same call time in every sample while the agent speaks', async () => {
    call = await startCall();
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
      width: 120,
      height: 36,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    // A long answer: the agent speaks for seconds, and the queued audio changes all along.
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type(
      'please tell me a long story about the sea and the ships and the sailors ' +
        'who crossed it in the old days with the wind and the stars to guide them home',
    );
    await tui.keys('Enter');
    await tui.waitForScreen((s) => s.includes('speaking'), 'the agent to speak');

    const samples: Clocks[] = [];
    const until = Date.now() + 4_500;
    while (Date.now() < until) {
      samples.push(await sample(tui));
      await sleep(40);
    }
    const disagreeing = samples.filter((s) => s.header !== s.info);
    expect(
      disagreeing.map((s) => `${s.header}/${s.info}`),
      `${disagreeing.length} of ${samples.length} samples disagree`,
    ).toEqual([]);
    // The samples covered a call whose clock moved, while the agent spoke.
    expect(new Set(samples.map((s) => s.header)).size).toBeGreaterThanOrEqual(4);
    expect(samples.filter((s) => s.speaking).length).toBeGreaterThan(samples.length / 2);
  }, 40_000);
});
