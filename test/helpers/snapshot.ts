/**
 * Snapshots and a minimal store for tests and benches that drive readers of the store (the
 * UI, transcript writers, serial control) without a call: the `Store` contract is all they see.
 */
import { SILENT_LEVEL } from '../../source/audio/levels.js';
import type { Snapshot } from '../../source/session/types.js';

/** A complete, valid snapshot of a live call; `over` replaces any field. */
export function snapshotWith(over: Partial<Snapshot> = {}): Snapshot {
  const now = Date.now();
  return {
    phase: 'live',
    agentState: 'listening',
    agentStateSince: now,
    callId: 'call-123',
    agentId: 'agent-abc',
    local: false,
    startedAt: now,
    turns: [],
    events: [],
    muted: false,
    ptt: false,
    pttDown: false,
    echoGuard: { enabled: false, active: false },
    echo: { mode: 'off' },
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

/** The read side of a store: `set` publishes a new snapshot as the session store does. */
export class SnapshotStore {
  snapshot: Snapshot;
  private readonly listeners = new Set<() => void>();

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
  }

  getSnapshot = (): Snapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  set(patch: Partial<Snapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}
