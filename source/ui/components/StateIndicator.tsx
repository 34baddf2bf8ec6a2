import { Text } from 'ink';
import { memo } from 'react';
import type { AgentState, CallPhase, Snapshot, Store } from '../../session/types.js';
import { ANIMATION_STEP_MS, animationClock, callClock, useClock } from '../clock.js';
import { formatSince } from '../format.js';
import { shallowEqual, useStoreSelector } from '../hooks/useStoreSelector.js';
import { fg, PHASE_COLOR, STATE_COLOR } from '../theme.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPEAKING = ['▁', '▃', '▅', '▇', '▅', '▃'];

/** True when the indicator shows a spinner or the speaking bars (it needs animation steps). */
function isAnimated(phase: CallPhase, agentState: AgentState, cutOff: boolean): boolean {
  if (phase === 'live') return agentState === 'thinking' || (agentState === 'speaking' && !cutOff);
  return phase === 'creating' || phase === 'connecting' || phase === 'ending';
}

/**
 * The glyph, the word and the colour for the call phase and agent state at `now`; `cutOff`: you
 * interrupted the turn the server still streams. Pure.
 */
function describeState(
  phase: CallPhase,
  agentState: AgentState,
  cutOff: boolean,
  now: number,
): { glyph: string; word: string; color: string } {
  const step = Math.floor(now / ANIMATION_STEP_MS);
  const spin = SPINNER[step % SPINNER.length]!;
  switch (phase) {
    case 'creating':
      return { glyph: spin, word: 'creating call', color: PHASE_COLOR.creating };
    case 'connecting':
      return { glyph: spin, word: 'connecting', color: PHASE_COLOR.connecting };
    case 'ending':
      return { glyph: spin, word: 'hanging up', color: PHASE_COLOR.ending };
    case 'ended':
      return { glyph: '■', word: 'call ended', color: PHASE_COLOR.ended };
    case 'error':
      return { glyph: '✖', word: 'call failed', color: PHASE_COLOR.error };
    case 'live':
      break;
  }
  const color = STATE_COLOR[agentState];
  switch (agentState) {
    case 'idle':
      return { glyph: '○', word: 'idle', color };
    case 'listening':
      return { glyph: '●', word: 'listening', color };
    case 'thinking':
      return { glyph: spin, word: 'thinking', color };
    case 'speaking':
      // Silent here: the server still sends the turn, the app does not play it.
      if (cutOff) return { glyph: '◌', word: 'interrupted, rest not played', color };
      return { glyph: SPEAKING[step % SPEAKING.length]!, word: 'speaking', color };
  }
}

const selectState = (s: Snapshot) => ({
  phase: s.phase,
  agentState: s.agentState,
  since: s.agentStateSince,
  cutOff: s.agentCutOff,
  startedAt: s.startedAt,
});

/** "● listening 3s": what the agent is doing, animated while it thinks or speaks. */
export const StateIndicator = memo(function StateIndicator({ store }: { readonly store: Store }) {
  const { phase, agentState, since, cutOff, startedAt } = useStoreSelector(
    store,
    selectState,
    shallowEqual,
  );
  const animated = isAnimated(phase, agentState, cutOff);
  const live = phase === 'live';
  const step = useClock(animationClock, animated);
  // How long a state lasted moves with the call's clock: in the same frame as the call time.
  const second = useClock(callClock(startedAt ?? 0), live && !animated);
  const now = animated ? step : second;
  const { glyph, word, color } = describeState(phase, agentState, cutOff, now);
  return (
    <Text wrap="truncate-end">
      <Text bold {...fg(color)}>{`${glyph} ${word}`}</Text>
      {live && <Text dimColor>{` ${formatSince(now - since)}`}</Text>}
    </Text>
  );
});
