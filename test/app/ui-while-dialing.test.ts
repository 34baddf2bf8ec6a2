/**
 * When the full-screen UI loads while a call is being dialled (`untilUiIsWanted`): once dialing
 * has waited on the network, not when the app itself is busy starting up.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { pendingStore, type SessionView } from '../../source/app/call-session.js';
import { UI_WHILE_DIALING_MS, untilUiIsWanted } from '../../source/app/run-call.js';

/** A session that stays dialing, and a run that never ends. */
function dialingForever() {
  const view: SessionView = {
    stage: { kind: 'dialing', number: 1 },
    store: pendingStore('test'),
    earlier: [],
    title: 'test',
  };
  const session = { getView: () => view, subscribe: () => () => undefined };
  let resolved = false;
  const wanted = untilUiIsWanted(session, new Promise(() => undefined)).then(() => {
    resolved = true;
  });
  return { wanted, isResolved: () => resolved };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps this thread busy, as loading and compiling modules does. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('the UI while dialing', () => {
  it('loads once dialing has waited on the network', async () => {
    const dial = dialingForever();
    await sleep(UI_WHILE_DIALING_MS + 300);
    expect(dial.isResolved()).toBe(true);
  });

  it('does not load while the app itself is busy starting up', async () => {
    const dial = dialingForever();
    busyFor(UI_WHILE_DIALING_MS * 2.5);
    await sleep(60);
    // Over 600 ms since dialing began, but only the last few tens of them spent waiting.
    expect(dial.isResolved()).toBe(false);
    await sleep(UI_WHILE_DIALING_MS + 300);
    expect(dial.isResolved()).toBe(true);
  });
});
