/**
 * The live rows of the screen (header, state, meters, call facts) as styled strings, exactly
 * as wide as their row. Pure: the same function draws a row inside Ink's frame and in place
 * between frames (see `live.ts`), so both always agree.
 */
import chalk, { type ForegroundColorName } from 'chalk';
import { LEVEL_FLOOR_DB } from '../audio/constants.js';
import type { AgentState, CallPhase, Level, Snapshot } from '../session/types.js';
import { formatClock, formatDb, formatSince } from './format.js';
import { type MeterSegment, meterSegments } from './meter.js';
import { sanitizeLine } from './sanitize.js';
import { stringWidth, truncateToWidth } from './textWidth.js';
import { colorsEnabled, METER_COLOR, PHASE_COLOR, STATE_COLOR } from './theme.js';

/** How a piece of a row is drawn: what Ink's `<Text>` props would do. */
export interface Style {
  readonly color?: string | undefined;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
}

/** A piece of a row: its text and style. */
export type Piece = readonly [text: string, style?: Style];

/** `text` styled with the same chalk Ink uses, and the NO_COLOR rule of `theme.fg`. */
export function styled(text: string, style: Style | undefined): string {
  if (text === '' || style === undefined) return text;
  let out = text;
  if (style.color !== undefined && colorsEnabled() && style.color in chalk)
    out = chalk[style.color as ForegroundColorName](out);
  if (style.bold) out = chalk.bold(out);
  if (style.dim) out = chalk.dim(out);
  if (style.inverse) out = chalk.inverse(out);
  return out;
}

/** Pieces cut ("…") and padded with spaces to exactly `width` columns, styled. */
export function rowText(pieces: readonly Piece[], width: number): string {
  let out = '';
  let used = 0;
  for (const [text, style] of pieces) {
    const room = width - used;
    if (room <= 0) break;
    const fit = stringWidth(text) <= room ? text : truncateToWidth(text, room);
    out += styled(fit, style);
    used += stringWidth(fit);
  }
  return used < width ? out + ' '.repeat(width - used) : out;
}

/** Call time at `now`: from the socket opening to the end (or now); undefined before. */
export function callElapsedMs(snapshot: Snapshot, now: number): number | undefined {
  return snapshot.startedAt === undefined
    ? undefined
    : (snapshot.endedAt ?? now) - snapshot.startedAt;
}

/** Title on the left; call phase and call time on the right. */
export function headerRow(
  title: string,
  phase: CallPhase,
  elapsedMs: number | undefined,
  width: number,
): string {
  const right = `${phase}${elapsedMs === undefined ? '' : ` ${formatClock(elapsedMs)}`}`;
  const titleRoom = Math.max(0, width - stringWidth(right) - 1);
  const left = truncateToWidth(sanitizeLine(title), titleRoom);
  const gap = Math.max(1, width - stringWidth(left) - stringWidth(right));
  return rowText(
    [[left, { bold: true }], [' '.repeat(gap)], [right, { color: PHASE_COLOR[phase] }]],
    width,
  );
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPEAKING = ['▁', '▃', '▅', '▇', '▅', '▃'];
/** Animation frames advance at this pace whatever the UI frame rate. */
export const ANIMATION_STEP_MS = 100;

/** True when the indicator shows a spinner or the speaking bars (it needs animation frames). */
export function isAnimated(phase: CallPhase, agentState: AgentState): boolean {
  if (phase === 'live') return agentState === 'thinking' || agentState === 'speaking';
  return phase === 'creating' || phase === 'connecting' || phase === 'ending';
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

/** "● listening 3s": what the agent is doing, animated, and for how long. */
export function stateRow(
  phase: CallPhase,
  agentState: AgentState,
  since: number,
  now: number,
  width: number,
): string {
  const { glyph, word, color } = describeState(phase, agentState, now);
  const pieces: Piece[] = [[`${glyph} ${word}`, { bold: true, color }]];
  if (phase === 'live') pieces.push([` ${formatSince(now - since)}`, { dim: true }]);
  return rowText(pieces, width);
}

/** Columns around the bar: label (6) + space + dB readout (7). */
const METER_CHROME_COLUMNS = 14;

const SEGMENT_STYLE: Record<MeterSegment['tone'], Style> = {
  low: { color: METER_COLOR.low },
  mid: { color: METER_COLOR.mid },
  high: { color: METER_COLOR.high },
  hold: { color: METER_COLOR.hold },
  empty: { dim: true },
};

/** "mic   ████████····│··· -23 dB" */
export function meterRow(label: string, level: Level, width: number): string {
  const barWidth = Math.max(4, width - METER_CHROME_COLUMNS);
  const pieces: Piece[] = [[label.padEnd(6)]];
  for (const segment of meterSegments(level, barWidth))
    pieces.push([segment.text, SEGMENT_STYLE[segment.tone]]);
  pieces.push([` ${formatDb(level.rmsDb, LEVEL_FLOOR_DB).padStart(6)}`, { dim: true }]);
  return rowText(pieces, width);
}

const FACT_LABEL_COLUMNS = 8;

/** "time    1:23": a call fact, its label dimmed. */
export function factRow(label: string, value: string, width: number): string {
  return rowText(
    [
      [label.padEnd(FACT_LABEL_COLUMNS), { dim: true }],
      [value, {}],
    ],
    width,
  );
}
