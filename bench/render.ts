/**
 * Render cost with a 10,000-turn transcript: the real App drawn by Ink into an 80×24 fake
 * terminal as the full-screen UI draws it (live rows, Ink's row cache). While the agent's
 * turn streams, each delta (with new meter levels) is painted by the live rows alone, timed
 * directly; and a change Ink draws (a mic flag) with a delta makes a whole frame, timed from
 * the store's notification to the frame and rows written to the terminal. The figure is the
 * whole frame. React's production build, as the CLI runs it.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Level, Store, StoreActions, Turn } from '../source/session/types.js';
import { SnapshotStore, snapshotWith } from '../test/helpers/snapshot.js';
import { type BenchResult, median, round, sleep, until } from './result.js';

const TURNS = 10_000;
const FRAMES = 40;

class FakeTerminal extends EventEmitter {
  readonly columns = 80;
  readonly rows = 24;
  readonly isTTY = true;
  writes = 0;
  lastWriteAt = 0;
  write(_data: string): boolean {
    this.writes++;
    this.lastWriteAt = performance.now();
    return true;
  }
}

class BenchStore extends SnapshotStore implements Store {
  readonly actions: StoreActions = {
    mute: () => undefined,
    setPtt: () => undefined,
    interrupt: () => undefined,
    sendText: () => undefined,
    setOutputMedium: () => undefined,
    saveTranscript: async () => '/dev/null',
    hangUp: async () => undefined,
  };
}

function turns(n: number): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      ordinal: i,
      role: i % 2 === 0 ? 'user' : 'agent',
      medium: 'voice',
      text: `turn ${i}: a sentence long enough to wrap on an eighty column terminal once or twice, as real answers do`,
      final: i < n - 1,
      interrupted: false,
      typed: false,
      startedAt: 1_000 + i,
    });
  }
  return out;
}

const level = (db: number): Level => ({ rmsDb: db, peakDb: db + 3, peakHoldDb: db + 6 });

export async function benchRender(): Promise<BenchResult[]> {
  process.env.NODE_ENV = 'production';
  const { render } = await import('ink');
  const { createElement } = await import('react');
  const { App } = await import('../source/ui/App.js');
  const { LiveContext, LiveLayer } = await import('../source/ui/live.js');
  const { shareInkCaches } = await import('../source/ui/inkCaches.js');
  const { RENDER_MAX_FPS } = await import('../source/ui/runTui.js');
  const inkTimes: number[] = [];
  await shareInkCaches();
  const store = new BenchStore(
    snapshotWith({
      callId: 'bench',
      agentId: 'bench',
      turns: turns(TURNS),
      micLevel: level(-40),
      agentLevel: level(-20),
    }),
  );
  const terminal = new FakeTerminal();
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => undefined,
    setEncoding: () => undefined,
    resume: () => undefined,
    pause: () => undefined,
    ref: () => undefined,
    unref: () => undefined,
    read: () => null,
  });
  const live = new LiveLayer();
  const app = createElement(App, { store, onExit: () => undefined });
  const tree = createElement(
    LiveContext.Provider,
    { value: { layer: live, snapshot: () => store.getSnapshot() } },
    app,
  );
  const instance = render(tree, {
    stdout: live.wrap(terminal as unknown as NodeJS.WriteStream),
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: RENDER_MAX_FPS,
    // Ink's own measure of turning the tree into text, for the note.
    onRender: ({ renderTime }: { renderTime: number }) => inkTimes.push(renderTime),
  });
  try {
    await until(() => terminal.writes > 0, 10_000);
    await sleep(200);
    const times: number[] = [];
    const paints: number[] = [];
    inkTimes.length = 0;
    for (let i = 0; i < FRAMES; i++) {
      const all = store.snapshot.turns;
      const last = all[all.length - 1] as Turn;
      const stream = () => [...all.slice(0, -1), { ...last, text: `${last.text} word${i}` }];
      // What happens on every transcript delta: no frame from Ink, the live rows repaint
      // (the transcript's last rows and both meters).
      store.set({
        turns: stream(),
        agentLevel: level(-20 - (i % 10)),
        micLevel: level(-40 - (i % 7)),
      });
      const p = performance.now();
      live.paint();
      paints.push(performance.now() - p);
      // A change Ink draws (a mic flag) with the same streaming change: a whole frame, with
      // the live rows painted inside it.
      const writes = terminal.writes;
      const t = performance.now();
      store.set({ turns: stream(), muted: i % 2 === 0 });
      await until(() => terminal.writes > writes, 5_000, 0);
      await sleep(20);
      times.push(terminal.lastWriteAt - t);
      await sleep(100);
    }
    const mid = median(times);
    return [
      {
        figure: `render: one frame with ${TURNS.toLocaleString('en')} turns (live turn + meters change, 80×24, median of ${FRAMES})`,
        target: '≤ 8 ms',
        measured: round(mid, 2),
        unit: 'ms',
        pass: mid <= 8,
        note: `a whole frame of Ink's (a change Ink draws) with the live rows painted in it: worst ${round(Math.max(...times), 2)} ms, Ink's render step ${round(median(inkTimes), 2)} ms median; a transcript delta alone costs no frame, only the live rows' repaint: ${round(median(paints), 2)} ms median, worst ${round(Math.max(...paints), 2)} ms`,
      },
    ];
  } finally {
    live.dispose();
    instance.unmount();
  }
}
