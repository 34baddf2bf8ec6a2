/**
 * Render cost with a 10,000-turn transcript: the real App drawn by Ink into a fake terminal
 * (80×24 and 120×36) as the full-screen UI draws it, the agent speaking: every 100 ms new meter
 * levels, and a transcript delta every 50 ms. Figures: Ink's cost of a frame (the store's change
 * to the frame written), and how many frames a second that scenario draws (the design says at
 * most ten: meters, spinner and streaming text move on one 100 ms grid). React's production
 * build, as the CLI runs it.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Level, Store, StoreActions, Turn } from '../source/session/types.js';
import { SnapshotStore, snapshotWith } from '../test/helpers/snapshot.js';
import { type BenchResult, median, printWhenMain, round, sleep, until } from './result.js';

const TURNS = 10_000;
const SPEAKING_MS = 5_000;

class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  writes = 0;
  bytes = 0;
  lastWriteAt = 0;
  write(data: string): boolean {
    this.writes++;
    this.bytes += Buffer.byteLength(data);
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
  const out: BenchResult[] = [];
  for (const [columns, rows] of [
    [80, 24],
    [120, 36],
  ] as const) {
    // A warm-up run first (the JIT), then the two writers taken in turn, twice each.
    await renderAt(columns, rows, false);
    const runs: RenderRun[] = [];
    for (const mode of [false, true, false, true]) runs.push(await renderAt(columns, rows, mode));
    const mean = (xs: RenderRun[], pick: (r: RenderRun) => number) =>
      xs.reduce((sum, r) => sum + pick(r), 0) / xs.length;
    const standardRuns = runs.filter((_, i) => i % 2 === 0);
    const incrementalRuns = runs.filter((_, i) => i % 2 === 1);
    const standard = {
      cpuPct: mean(standardRuns, (r) => r.cpuPct),
      bytesPerS: mean(standardRuns, (r) => r.bytesPerS),
    };
    const incremental = {
      cpuPct: mean(incrementalRuns, (r) => r.cpuPct),
      bytesPerS: mean(incrementalRuns, (r) => r.bytesPerS),
    };
    out.push(...(standardRuns[0]?.results ?? []));
    // Ink's incremental writer, measured in the same run: what it saves in bytes written and
    // what it costs in CPU (the UI keeps it off; docs/performance.md).
    out.push({
      figure: `render: Ink's incrementalRendering (${columns}×${rows}), CPU and bytes against the standard writer`,
      target: 'information',
      measured: round(incremental.cpuPct / standard.cpuPct, 2),
      unit: '× CPU',
      pass: true,
      note: `CPU ${round(standard.cpuPct, 2)} % → ${round(incremental.cpuPct, 2)} % of a core; bytes written ${Math.round(standard.bytesPerS)} → ${Math.round(incremental.bytesPerS)} a second (${round(standard.bytesPerS / Math.max(1, incremental.bytesPerS), 1)}× fewer)`,
    });
  }
  return out;
}

interface RenderRun {
  results: BenchResult[];
  /** CPU of this process (the UI alone) while the agent speaks, % of one core. */
  cpuPct: number;
  bytesPerS: number;
}

async function renderAt(columns: number, rows: number, incremental: boolean): Promise<RenderRun> {
  process.env.NODE_ENV = 'production';
  // Colours as on a terminal with 256 of them (tmux's own TERM, most desktop terminals): the
  // bench's stdout is not a terminal, and chalk would colour nothing. Colours make every
  // frame dearer (Ink tokenises and re-styles each escape sequence): about 2.5 ms of Ink's
  // render step against 1.5 ms without them (docs/performance.md).
  const { default: chalk } = await import('chalk');
  chalk.level = 2;
  const { render } = await import('ink');
  const { createElement } = await import('react');
  const { App } = await import('../source/ui/App.js');
  const { RENDER_MAX_FPS } = await import('../source/ui/runTui.js');
  const inkTimes: number[] = [];
  const store = new BenchStore(
    snapshotWith({
      callId: 'bench',
      agentId: 'bench',
      phase: 'live',
      agentState: 'speaking',
      startedAt: Date.now(),
      turns: turns(TURNS),
      micLevel: level(-40),
      agentLevel: level(-20),
    }),
  );
  const terminal = new FakeTerminal(columns, rows);
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
  const instance = render(createElement(App, { store, onExit: () => undefined }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    interactive: true,
    maxFps: RENDER_MAX_FPS,
    incrementalRendering: incremental,
    // Ink's own measure of turning the tree into text.
    onRender: ({ renderTime }: { renderTime: number }) => inkTimes.push(renderTime),
  });
  try {
    await until(() => terminal.writes > 0, 10_000);
    await sleep(300);
    inkTimes.length = 0;
    const bytes0 = terminal.bytes;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // The agent speaks for SPEAKING_MS: levels on the 100 ms grid (as the store folds them),
    // transcript deltas every 50 ms (as a fast server streams them).
    let i = 0;
    const all = store.snapshot.turns;
    const last = all[all.length - 1] as Turn;
    let text = last.text;
    const deltas = setInterval(() => {
      text += ` w${i++}`;
      store.set({ turns: [...all.slice(0, -1), { ...last, text }] });
    }, 50);
    // The session store folds levels on the UI's 100 ms grid (source/session/store.ts).
    const { animationClock } = await import('../source/ui/clock.js');
    const stopLevels = animationClock.subscribe(() => {
      store.set({ agentLevel: level(-20 - (i % 10)), micLevel: level(-40 - (i % 7)) });
    });
    await sleep(SPEAKING_MS);
    clearInterval(deltas);
    stopLevels();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100;
    const bytesPerS = (terminal.bytes - bytes0) / seconds;
    const fps = inkTimes.length / seconds;
    const mid = median(inkTimes);
    const results: BenchResult[] = [
      {
        figure: `render: Ink's frame with ${TURNS.toLocaleString('en')} turns, agent speaking (${columns}×${rows}, median)`,
        target: '≤ 8 ms',
        measured: round(mid, 2),
        unit: 'ms',
        pass: mid <= 8,
        note: `Ink's render step per frame over ${inkTimes.length} frames; worst ${round(Math.max(...inkTimes), 2)} ms`,
      },
      {
        figure: `render: frames a second while the agent speaks (${columns}×${rows}, deltas every 50 ms)`,
        target: '≤ 10.5 /s',
        measured: round(fps, 1),
        unit: '/s',
        pass: fps <= 10.5,
        note: `meters, spinner and streaming text share the 100 ms grid (source/ui/clock.ts); the UI alone used ${round(cpuPct, 2)} % of a core`,
      },
    ];
    return { results, cpuPct, bytesPerS };
  } finally {
    instance.unmount();
  }
}

await printWhenMain(import.meta.url, benchRender);
