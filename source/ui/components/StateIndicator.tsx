import { Text } from 'ink';
import { memo } from 'react';
import type { AgentState, CallPhase, Snapshot, Store } from '../../session/types.js';
import { ANIMATION_STEP_MS, animationClock, secondClock, useClock } from '../clock.js';
import { formatSince } from '../format.js';
import { shallowEqual, useStoreSelector } from '../hooks/useStoreSelector.js';
import { fg, PHASE_COLOR, STATE_COLOR } from '../theme.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPEAKING = ['▁', '▃', '▅', '▇', '▅', '▃'];

/** True when the indicator shows a spinner or the speaking bars (it needs animation steps). */
export function isAnimated(phase: CallPhase, agentState: AgentState): boolean {
  if (phase === 'live') return agentState === 'thinking' || agentState === 'speaking';
  return phase === 'creating' || phase === 'connecting' || phase === 'ending';
}

/** The glyph, the word and the colour for the call phase and agent state at `now`. Pure. */
export function describeState(
  phase: CallPhase,
  agentState: AgentState,
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
      return { glyph: SPEAKING[step % SPEAKING.length]!, word: 'speaking', color };
  }
}

const selectState = (s: Snapshot) => ({
  phase: s.phase,
  agentState: s.agentState,
  since: s.agentStateSince,
});

/** "● listening 3s": what the agent is doing, animated while it thinks or speaks. */
export const StateIndicator = memo(function StateIndicator({ store }: { readonly store: Store }) {
  const { phase, agentState, since } = useStoreSelector(store, selectState, shallowEqual);
  const animated = isAnimated(phase, agentState);
  const live = phase === 'live';
  const step = useClock(animationClock, animated);
  const second = useClock(secondClock, live && !animated);
  const now = animated ? step : second;
  const { glyph, word, color } = describeState(phase, agentState, now);
  return (
    <Text wrap="truncate-end">
      <Text bold {...fg(color)}>{`${glyph} ${word}`}</Text>
      {live && <Text dimColor>{` ${formatSince(now - since)}`}</Text>}
    </Text>
  );
});
