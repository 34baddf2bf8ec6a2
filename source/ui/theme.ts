/**
 * Colours in one place, and the NO_COLOR switch (https://no-color.org): when NO_COLOR is set
 * to anything non-empty, components get no colour props at all; bold, dim and inverse remain
 * because they carry meaning without colour.
 */
import chalk from 'chalk';
import type { AgentState, CallPhase, EventKind, Role } from '../session/types.js';

/** True unless NO_COLOR is set (read at render time so tests and users can toggle it). */
export function colorsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.NO_COLOR;
  return value === undefined || value === '';
}

/**
 * Whether the terminal gets styles at all (bold, dim, inverse): not at colour level 0
 * (`FORCE_COLOR=0`, a terminal chalk knows nothing of), where an inverse cell is a plain one and
 * the message line's cursor must be the terminal's own.
 */
export function stylesShown(): boolean {
  return chalk.level > 0;
}

/**
 * The colour level for the full-screen UI on a terminal: chalk's own detection, except that a
 * `CI` variable does not turn colours off (chalk reads it as "no terminal", but the full screen
 * is only ever drawn on a real terminal, which says what it can do through TERM and COLORTERM).
 * FORCE_COLOR keeps its meaning; NO_COLOR is honoured by the components (`fg`), which then ask
 * for no colour at all, so bold, dim and inverse stay. Pure.
 */
export function terminalColorLevel(detected: 0 | 1 | 2 | 3, env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  if (detected > 0 || !('CI' in env) || 'FORCE_COLOR' in env) {
    return detected;
  }
  const term = env.TERM ?? '';
  if (term === '' || term === 'dumb') return detected;
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 3;
  return /-256(color)?$/.test(term) ? 2 : 1;
}

/** `{ color }` for an Ink `<Text>`, or nothing when colours are off. */
export function fg(color: string | undefined): { color?: string } {
  return color !== undefined && colorsEnabled() ? { color } : {};
}

export const ROLE_COLOR: Record<Role, string> = { user: 'cyan', agent: 'green' };

export const ROLE_LABEL: Record<Role, string> = { user: 'You', agent: 'Agent' };

export const EVENT_COLOR: Record<EventKind, string> = {
  info: 'blue',
  warning: 'yellow',
  error: 'red',
  debug: 'gray',
  tool: 'magenta',
  protocol: 'gray',
  unknown: 'gray',
  invalid: 'yellow',
};

export const STATE_COLOR: Record<AgentState, string> = {
  idle: 'gray',
  listening: 'green',
  thinking: 'yellow',
  speaking: 'magenta',
};

export const PHASE_COLOR: Record<CallPhase, string> = {
  creating: 'yellow',
  connecting: 'yellow',
  live: 'green',
  ending: 'yellow',
  ended: 'gray',
  error: 'red',
};

export const METER_COLOR = { low: 'green', mid: 'yellow', high: 'red', hold: 'white' } as const;
