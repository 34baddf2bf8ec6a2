import { Text } from 'ink';
import type { AgentState, CallPhase } from '../../session/types.js';
import { formatSince } from '../format.js';
import { fg, PHASE_COLOR, STATE_COLOR } from '../theme.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPEAKING = ['▁', '▃', '▅', '▇', '▅', '▃'];
/** Animation frames advance at this pace whatever the UI frame rate. */
export const ANIMATION_STEP_MS = 100;

/** True when the indicator shows a spinner or the speaking bars (it needs animation frames). */
export function isAnimated(phase: CallPhase, agentState: AgentState): boolean {
  if (phase === 'live') return agentState === 'thinking' || agentState === 'speaking';
  return phase === 'creating' || phase === 'connecting' || phase === 'ending';
}

export interface StateIndicatorProps {
  readonly phase: CallPhase;
  readonly agentState: AgentState;
  readonly since: number;
  readonly now: number;
}

/** The glyph, the word and the colour for the call phase and agent state at `now`. */
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

/** "● listening 3.2s": what the agent is doing, animated, and for how long. */
export function StateIndicator({ phase, agentState, since, now }: StateIndicatorProps) {
  const { glyph, word, color } = describeState(phase, agentState, now);
  const showSince = phase === 'live';
  return (
    <Text wrap="truncate-end">
      <Text bold {...fg(color)}>
        {`${glyph} ${word}`}
      </Text>
      {showSince && <Text dimColor>{` ${formatSince(now - since)}`}</Text>}
    </Text>
  );
}
