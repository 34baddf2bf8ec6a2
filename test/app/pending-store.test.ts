/**
 * The store the screen shows while a call is being created: its mute is the coming call's (`m`
 * is not dropped), its talk control opens nothing.
 */
import { describe, expect, it } from 'vitest';
import { pendingStore } from '../../source/app/call-session.js';

describe('the store of a call being created', () => {
  it('m sets the mute the call starts with, and tells the screen', () => {
    const store = pendingStore('demo', { muted: true });
    let told = 0;
    store.subscribe(() => told++);
    expect(store.getSnapshot()).toMatchObject({ phase: 'creating', userMuted: true, muted: true });
    store.actions.mute();
    expect(store.getSnapshot()).toMatchObject({ userMuted: false, muted: false });
    store.actions.mute(true);
    expect(store.getSnapshot()).toMatchObject({ userMuted: true, muted: true });
    expect(told).toBe(2);
  });

  it('with --ptt the mic stays closed until the talk control, which opens nothing yet', () => {
    const store = pendingStore('demo', { ptt: true });
    expect(store.getSnapshot()).toMatchObject({ ptt: true, userMuted: false, muted: true });
    store.actions.setPtt(true);
    expect(store.getSnapshot()).toMatchObject({ pttDown: false, muted: true });
  });
});
