/**
 * A small in-memory store for transcript and serial tests: the real readers (writer,
 * serial controller) see the same interface as with the session store, and every action
 * call is recorded.
 */
import { SILENT_LEVEL } from '../../source/audio/levels.js';
import type { Snapshot, Store, StoreActions, Turn } from '../../source/session/types.js';

export const T0 = Date.UTC(2026, 10, 25, 19, 8, 38);

export function baseSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    phase: 'live',
    agentState: 'listening',
    agentStateSince: T0,
    callId: 'c0ffee12-3456-7890-abcd-ef0123456789',
    agentId: 'support-agent',
    local: false,
    startedAt: T0,
    turns: [],
    events: [],
    muted: false,
    ptt: false,
    pttDown: false,
    echoGuard: { enabled: false, active: false },
    outputMedium: 'voice',
    micLevel: SILENT_LEVEL,
    agentLevel: SILENT_LEVEL,
    responseLatenciesMs: [],
    interruptions: 0,
    queuedMs: 0,
    input: { kind: 'none', description: 'none', sampleRate: 48_000 },
    output: { kind: 'none', description: 'none', sampleRate: 48_000 },
    exitCode: 0,
    ...over,
  };
}

export function turn(
  ordinal: number,
  role: Turn['role'],
  text: string,
  extra: Partial<Turn> = {},
): Turn {
  const startedAt = T0 + ordinal * 2_000;
  return {
    ordinal,
    role,
    medium: 'voice',
    text,
    final: true,
    interrupted: false,
    typed: false,
    startedAt,
    endedAt: startedAt + 1_500,
    ...extra,
  };
}

export type ActionCall = [name: keyof StoreActions, ...args: unknown[]];

export class FakeStore implements Store {
  private snapshot: Snapshot;
  private readonly listeners = new Set<() => void>();
  readonly calls: ActionCall[] = [];

  constructor(over: Partial<Snapshot> = {}) {
    this.snapshot = baseSnapshot(over);
  }

  getSnapshot = (): Snapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Publishes a new snapshot, as the session store does on every change. */
  update(patch: Partial<Snapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of [...this.listeners]) l();
  }

  /** Adds or replaces a turn (by ordinal), keeping turns ordered. */
  putTurn(t: Turn): void {
    const turns = this.snapshot.turns.filter((x) => x.ordinal !== t.ordinal);
    turns.push(t);
    turns.sort((a, b) => a.ordinal - b.ordinal);
    this.update({ turns });
  }

  readonly actions: StoreActions = {
    mute: (on?: boolean) => {
      this.calls.push(['mute', on]);
      this.update({ muted: on ?? !this.snapshot.muted });
    },
    setPtt: (down: boolean) => {
      this.calls.push(['setPtt', down]);
      this.update({ pttDown: down });
    },
    interrupt: () => {
      this.calls.push(['interrupt']);
    },
    sendText: (text: string, urgency?: 'immediate' | 'soon' | 'later') => {
      this.calls.push(['sendText', text, urgency]);
    },
    setOutputMedium: (medium) => {
      this.calls.push(['setOutputMedium', medium]);
    },
    saveTranscript: async () => {
      this.calls.push(['saveTranscript']);
      return '';
    },
    hangUp: async (reason?: string) => {
      this.calls.push(['hangUp', reason]);
      this.update({ phase: 'ended', endedAt: Date.now(), endReason: reason });
    },
  };
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  check: () => T | undefined | false | null,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
