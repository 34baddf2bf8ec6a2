import { SILENT_LEVEL } from '../audio/levels.js';
import type { Snapshot } from './types.js';

/**
 * A snapshot of a call that has not happened yet: no turns, no events, silence, nothing
 * muted. `over` fills in the rest (a store about to be created, a test's call).
 */
export function blankSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    phase: 'creating',
    agentState: 'idle',
    agentStateSince: Date.now(),
    agentCutOff: false,
    pendingTexts: [],
    local: false,
    turns: [],
    events: [],
    eventsDropped: 0,
    muted: false,
    userMuted: false,
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
    input: { kind: 'none', description: 'none', sampleRate: 0 },
    output: { kind: 'none', description: 'none', sampleRate: 0 },
    exitCode: 0,
    ...over,
  };
}
