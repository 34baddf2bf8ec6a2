/**
 * Test helpers: a small store that honours the `Store` contract (it IS the contract the UI is
 * built against), and polling waits instead of sleeps.
 */
import { render } from 'ink-testing-library';
import type { EarlierCall } from '../../source/app/call-parts.js';
import type {
  CallEvent,
  Level,
  Snapshot,
  Store,
  StoreActions,
  Turn,
} from '../../source/session/types.js';
import { App } from '../../source/ui/App.js';
import type { CallControls } from '../../source/ui/hooks/useCallCommands.js';
import { SnapshotStore, snapshotWith } from '../helpers/snapshot.js';

export const SILENT: Level = { rmsDb: -96, peakDb: -96, peakHoldDb: -96 };

export function makeSnapshot(patch: Partial<Snapshot> = {}): Snapshot {
  return snapshotWith({
    micLevel: SILENT,
    agentLevel: SILENT,
    input: { kind: 'mic', description: 'mic (default)', sampleRate: 48_000 },
    output: { kind: 'speaker', description: 'speaker', sampleRate: 48_000 },
    ...patch,
  });
}

let nextOrdinal = 0;

export function turn(patch: Partial<Turn> & Pick<Turn, 'role' | 'text'>): Turn {
  const ordinal = patch.ordinal ?? nextOrdinal++;
  return {
    medium: 'voice',
    final: true,
    interrupted: false,
    typed: false,
    startedAt: 1_000 + ordinal * 1_000,
    ...patch,
    ordinal,
  };
}

export function event(patch: Partial<CallEvent> & Pick<CallEvent, 'kind' | 'message'>): CallEvent {
  return { id: patch.id ?? nextOrdinal++, at: patch.at ?? Date.now(), ...patch };
}

type Call = { name: keyof StoreActions; args: unknown[] };

/** A store whose actions record what the UI asked for; `hangUp` can be held open. */
export class FakeStore extends SnapshotStore implements Store {
  readonly calls: Call[] = [];
  holdHangUp = false;
  private releaseHangUp?: () => void;
  savePath = '/tmp/omnia/transcript.md';
  saveError?: string;

  constructor(patch: Partial<Snapshot> = {}) {
    super(makeSnapshot(patch));
  }

  called(name: keyof StoreActions): Call[] {
    return this.calls.filter((c) => c.name === name);
  }

  finishHangUp(): void {
    this.releaseHangUp?.();
  }

  readonly actions: StoreActions = {
    mute: (on?: boolean) => {
      this.calls.push({ name: 'mute', args: [on] });
      const userMuted = on ?? !this.snapshot.userMuted;
      this.set({ userMuted, muted: userMuted });
    },
    setPtt: (down: boolean) => {
      this.calls.push({ name: 'setPtt', args: [down] });
      this.set({ pttDown: down });
    },
    interrupt: () => {
      this.calls.push({ name: 'interrupt', args: [] });
      // As the store: only a speaking agent is cut off (and counted), once per reply, and what
      // the key did is the last event.
      const s = this.snapshot;
      const cut = s.agentState === 'speaking' && s.phase === 'live' && !s.agentCutOff;
      const message = cut
        ? 'interrupted the agent (1200 ms of agent audio dropped)'
        : s.agentCutOff
          ? 'nothing more to interrupt: the rest of this reply is not played'
          : 'nothing to interrupt: the agent is not speaking';
      const event = { id: s.events.length + 1, at: Date.now(), kind: 'info' as const, message };
      this.set({
        events: [...s.events, event],
        ...(cut
          ? { interruptions: s.interruptions + 1, agentCutOff: true, agentStateSince: Date.now() }
          : {}),
      });
    },
    sendText: (text: string, urgency?: 'immediate' | 'soon' | 'later') => {
      this.calls.push({ name: 'sendText', args: [text, urgency] });
    },
    setOutputMedium: (medium) => {
      this.calls.push({ name: 'setOutputMedium', args: [medium] });
      this.set({ outputMedium: medium });
    },
    saveTranscript: async () => {
      this.calls.push({ name: 'saveTranscript', args: [] });
      if (this.saveError) throw new Error(this.saveError);
      return this.savePath;
    },
    hangUp: (reason?: string) => {
      this.calls.push({ name: 'hangUp', args: [reason] });
      this.set({ phase: 'ending' });
      const end = () => this.set({ phase: 'ended', endedAt: Date.now(), endReason: 'you hung up' });
      if (!this.holdHangUp) {
        end();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        this.releaseHangUp = () => {
          end();
          resolve();
        };
      });
    },
  };
}

/** Polls `check` until it stops throwing or returns true. */
export async function waitFor(
  check: () => unknown,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (check() !== false) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw lastError instanceof Error ? lastError : new Error(`timed out waiting for ${what}`);
}

/** Keys as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  escape: '\u001b',
  ctrlC: '\u0003',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  up: '\u001b[A',
  down: '\u001b[B',
} as const;

export interface Rendered {
  store: FakeStore;
  frame: () => string;
  lines: () => string[];
  press: (keys: string) => Promise<void>;
  exits: number[];
  resize: (columns: number, rows: number) => void;
  unmount: () => void;
  frames: string[];
}

/** Renders the App with a fake store at a given terminal size, waiting for the first frame. */
export async function renderApp(
  store: FakeStore,
  size: { columns: number; rows: number } = { columns: 80, rows: 24 },
  title = 'omnia-voice · test',
  more: {
    earlier?: readonly EarlierCall[];
    controls?: CallControls;
    /** Keys the terminal held for the UI: written as it draws its first frame. */
    typedAhead?: string;
  } = {},
): Promise<Rendered> {
  const exits: number[] = [];
  const r = render(
    <App
      store={store}
      title={title}
      onExit={(code) => exits.push(code)}
      {...(more.earlier ? { earlier: more.earlier } : {})}
      {...(more.controls ? { controls: more.controls } : {})}
    />,
  );
  const stdout = r.stdout as unknown as NodeJS.EventEmitter & { columns: number; rows: number };
  const resize = (columns: number, rows: number) => {
    Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
    stdout.emit('resize');
  };
  resize(size.columns, size.rows);
  const frame = () => r.lastFrame() ?? '';
  await waitFor(
    () => {
      const lines = frame()
        .replace(/\u001b\[[0-9;]*m/g, '')
        .split('\n');
      return lines.length === size.rows && (lines[0]?.length ?? 0) <= size.columns;
    },
    5_000,
    'a full frame at the requested size',
  );
  if (more.typedAhead !== undefined) r.stdin.write(more.typedAhead);
  // The keys of the UI's first read, or of the event loop's next two turns, count as typed
  // while the app started (`useTypedAhead`: Space opens no mic for them): the keys of a test
  // come once the UI is up and reading, as a user's do.
  for (let turn = 0; turn < 4; turn++) await new Promise((resolve) => setImmediate(resolve));
  return {
    store,
    frame,
    lines: () => frame().split('\n'),
    press: async (keys: string) => {
      r.stdin.write(keys);
      // Let Ink's input parser (a lone Esc is flushed on setImmediate) and React catch up.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    },
    exits,
    resize,
    unmount: () => r.unmount(),
    frames: r.frames,
  };
}
