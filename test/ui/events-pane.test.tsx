/**
 * The events pane after a redial, drawn by Ink as the app draws it: each call's events are
 * numbered from 1, so the earlier calls' and the current call's share ids.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../source/session/types.js';
import { type EventsBlock, EventsPane } from '../../source/ui/components/EventsPane.js';
import { FakeStore } from './helpers.js';

const AT = new Date(2026, 11, 2, 6, 46, 35).getTime();
const MESSAGES = [
  'connected',
  'echo: off (the input is not a microphone)',
  'call started (78d31833-a9c5-4a17-915b-df4b3aed77c2)',
  'state listening',
  'state speaking',
  'hung up with 1710 ms of the agent reply not played',
  'call ended: you hung up',
];

/** A call's events as its store numbers them: from 1. */
function callEvents(count: number, offsetS: number): CallEvent[] {
  return MESSAGES.slice(0, count).map((message, i) => ({
    id: i + 1,
    at: AT + (offsetS + i) * 1000,
    kind: i >= 3 && i <= 4 ? ('protocol' as const) : ('info' as const),
    message,
  }));
}

const plain = (frame: string | undefined) => (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');

describe('the events pane after a redial', () => {
  it('draws what a fresh pane draws, as the new call numbers its events from 1 again', () => {
    const store = new FakeStore({ events: callEvents(5, 0) });
    const pane = (earlier: readonly EventsBlock[], width: number, divider?: string) => (
      <EventsPane
        store={store}
        width={width}
        rows={30}
        earlier={earlier}
        {...(divider ? { divider } : {})}
      />
    );
    const r = render(pane([], 60));
    // Call 1 ends; call 2 comes up with its own events, numbered from 1; the pane narrows.
    store.set({ events: callEvents(7, 0) });
    r.rerender(pane([], 60));
    const earlier = [
      {
        divider: 'call 1 · Demo (demo) · ended: you hung up',
        events: callEvents(7, 0),
        dropped: 0,
      },
    ];
    const steps: Array<[number, number]> = [
      [0, 60],
      [1, 60],
      [2, 38],
      [3, 38],
      [5, 38],
      [5, 60],
    ];
    for (const [count, width] of steps) {
      store.set({ events: callEvents(count, 10) });
      r.rerender(pane(earlier, width, 'call 2 · Demo (demo)'));
      const fresh = render(pane(earlier, width, 'call 2 · Demo (demo)'));
      expect(plain(r.lastFrame()), `${count} events at ${width} columns`).toBe(
        plain(fresh.lastFrame()),
      );
      fresh.unmount();
    }
    expect(plain(r.lastFrame())).toMatch(/^Events \(12\)/);
    r.unmount();
  });
});
