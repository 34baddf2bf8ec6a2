/**
 * A small in-memory store for transcript and serial tests: the real readers (writer,
 * serial controller) see the same interface as with the session store, and every action
 * call is recorded.
 */
import type { Snapshot, Store, StoreActions, Turn } from '../../source/session/types.js';
import { SnapshotStore, snapshotWith } from '../helpers/snapshot.js';

export const T0 = Date.UTC(2026, 10, 25, 19, 8, 38);

export function baseSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  return snapshotWith({
    agentStateSince: T0,
    callId: 'c0ffee12-3456-7890-abcd-ef0123456789',
    agentId: 'support-agent',
    startedAt: T0,
    ...over,
  });
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

export class FakeStore extends SnapshotStore implements Store {
  readonly calls: ActionCall[] = [];

  constructor(over: Partial<Snapshot> = {}) {
    super(baseSnapshot(over));
  }

  /** Publishes a new snapshot, as the session store does on every change. */
  update(patch: Partial<Snapshot>): void {
    this.set(patch);
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
      const userMuted = on ?? !this.snapshot.userMuted;
      this.update({ userMuted, muted: userMuted });
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
