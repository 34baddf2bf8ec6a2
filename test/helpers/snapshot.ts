/**
 * Snapshots and a minimal store for tests and benches that drive readers of the store (the
 * UI, transcript writers, serial control) without a call: the `Store` contract is all they see.
 */
import { blankSnapshot } from '../../source/session/snapshot.js';
import type { Snapshot } from '../../source/session/types.js';

/** A complete, valid snapshot of a live call; `over` replaces any field. */
export function snapshotWith(over: Partial<Snapshot> = {}): Snapshot {
  const now = Date.now();
  return blankSnapshot({
    phase: 'live',
    agentState: 'listening',
    agentStateSince: now,
    callId: 'call-123',
    agentId: 'agent-abc',
    startedAt: now,
    input: { kind: 'none', description: 'none', sampleRate: 48_000 },
    output: { kind: 'none', description: 'none', sampleRate: 48_000 },
    ...over,
  });
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
