/**
 * The agent picker's columns and lines, as pure functions of the agents and the screen's width:
 * the name column as wide as the longest name (within reason), the id whole where there is room,
 * language, voice and who speaks first, and the description in what is left of a wide screen.
 */
import type { AgentInfo } from '../../api/agents.js';
import { screenLine } from '../sanitize.js';
import { cutMiddle, fitToWidth, stringWidth } from '../textWidth.js';

/** The name column's width on an ordinary screen, and what a long name gives way to. */
export const NAME_COLUMNS = 24;
/** The widest name column: a name longer than this is cut even on a wide screen. */
export const NAME_MAX_COLUMNS = 48;
/** The id column's width where an id has to give way (it is cut in its middle then). */
const ID_COLUMNS = 18;
/** The widest id column: a UUID whole. */
const ID_MAX_COLUMNS = 36;
/** The widest details column (language · voice · who speaks first). */
const DETAIL_MAX_COLUMNS = 48;
/** The description is shown when at least this many columns are left for it. */
export const DESCRIPTION_FROM_COLUMNS = 16;
/** The id column's place: shown where the row has room for it beside the name and details. */
export const ID_FROM_COLUMNS = 64;
/** Columns between two columns of a row. */
const GAP = 2;

const DETAIL_HEAD = 'language · voice · who speaks first';

/** Where each part of a row goes; 0 is a part not shown. */
export interface PickerColumns {
  readonly name: number;
  readonly id: number;
  /** The details' column when a description follows it (else the details take what is left). */
  readonly detail: number;
  readonly description: number;
}

/** The widest of each part among `agents`, for {@link pickerColumns}. */
export interface AgentWidths {
  readonly name: number;
  readonly id: number;
  readonly detail: number;
  readonly description: number;
}

/** Language, voice and who speaks first, on one line. */
function detailOf(agent: AgentInfo): string {
  return [agent.language, agent.voice, agent.firstSpeaker && `${agent.firstSpeaker} first`]
    .filter(Boolean)
    .join(' · ');
}

/** The widest name, id, details and description of `agents` (one pass: call it once a list). */
export function agentWidths(agents: readonly AgentInfo[]): AgentWidths {
  let name = 0;
  let id = 0;
  let detail = 0;
  let description = 0;
  for (const agent of agents) {
    name = Math.max(name, stringWidth(screenLine(agent.name)));
    id = Math.max(id, stringWidth(screenLine(agent.id)));
    detail = Math.max(detail, stringWidth(screenLine(detailOf(agent))));
    if (agent.description)
      description = Math.max(description, stringWidth(screenLine(agent.description)));
  }
  return { name, id, detail, description };
}

/** The wider of two measures, part by part (the agents listed and those a search found). */
export function widestOf(a: AgentWidths, b: AgentWidths): AgentWidths {
  return {
    name: Math.max(a.name, b.name),
    id: Math.max(a.id, b.id),
    detail: Math.max(a.detail, b.detail),
    description: Math.max(a.description, b.description),
  };
}

/**
 * The columns for a row `width` wide. Narrow screens drop the id (the name is what is picked by)
 * and give the name under half the row, so language and voice stay in sight. Wider ones give
 * the name its longest (up to {@link NAME_MAX_COLUMNS}), the id its longest, and whatever is
 * left after the details to the description.
 */
export function pickerColumns(width: number, widths: AgentWidths): PickerColumns {
  const longestName = Math.max(4, Math.min(NAME_MAX_COLUMNS, widths.name));
  if (width < ID_FROM_COLUMNS) {
    const name = Math.min(longestName, Math.max(10, Math.floor(width * 0.45)));
    return { name, id: 0, detail: 0, description: 0 };
  }
  const id = Math.max(2, Math.min(ID_MAX_COLUMNS, widths.id));
  const detail = Math.max(1, Math.min(DETAIL_MAX_COLUMNS, widths.detail));
  let name = longestName;
  let idShown = id;
  // The details whole while the name can give way (down to the ordinary width); past that the
  // details keep at least 24 columns, and the id gives way, then the name again.
  const over = (detailRoom: number) => name + GAP + idShown + GAP + detailRoom - width;
  const least = Math.min(longestName, NAME_COLUMNS);
  if (over(detail) > 0) name = Math.max(least, name - over(detail));
  const some = Math.min(detail, 24);
  if (over(some) > 0) idShown = Math.max(Math.min(id, ID_COLUMNS), idShown - over(some));
  if (over(some) > 0) name = Math.max(10, name - over(some));
  // Before a description, the details' column is as wide as its heading too.
  const detailColumn = Math.max(detail, stringWidth(DETAIL_HEAD));
  const left = width - (name + GAP + idShown + GAP + detailColumn + GAP);
  const description =
    widths.description > 0 && left >= DESCRIPTION_FROM_COLUMNS
      ? Math.min(left, Math.max(widths.description, stringWidth('description')))
      : 0;
  return { name, id: idShown, detail: description > 0 ? detailColumn : 0, description };
}

/** An id cut in its middle: its start and its end are what tell ids apart. */
function fitId(id: string, width: number): string {
  // A wide character that did not fit leaves a column to pad.
  return fitToWidth(cutMiddle(id, width), width);
}

/** One agent on one line of `width` columns, laid out in `cols`. */
export function agentRow(agent: AgentInfo, width: number, cols: PickerColumns): string {
  const gap = ' '.repeat(GAP);
  const id = cols.id > 0 ? `${fitId(screenLine(agent.id), cols.id)}${gap}` : '';
  const detail = screenLine(detailOf(agent));
  const tail =
    cols.description > 0
      ? `${fitToWidth(detail, cols.detail)}${gap}${screenLine(agent.description ?? '')}`
      : detail;
  const text = `${fitToWidth(screenLine(agent.name), cols.name)}${gap}${id}${tail}`;
  return fitToWidth(text, Math.max(1, width)).trimEnd();
}

/** The column heads, over the rows as {@link agentRow} lays them out. */
export function headRow(width: number, cols: PickerColumns): string {
  const gap = ' '.repeat(GAP);
  const id = cols.id > 0 ? `${fitToWidth('id', cols.id)}${gap}` : '';
  const head = `${fitToWidth('name', cols.name)}${gap}${id}`;
  if (cols.description > 0)
    return `${head}${fitToWidth(DETAIL_HEAD, cols.detail)}${gap}description`.trimEnd();
  // The details' heading said shorter where the row has no room for it whole.
  const room = width - stringWidth(head);
  return `${head}${fitVariants([DETAIL_HEAD, 'language · voice · first', 'language · voice'], room)}`;
}

/**
 * The first of `variants` that fits `width` columns, else the last one cut: footers say the
 * same thing shorter on a narrow screen instead of losing their end.
 */
export function fitVariants(variants: readonly string[], width: number): string {
  for (const variant of variants) if (stringWidth(variant) <= width) return variant;
  return fitToWidth(variants.at(-1) ?? '', width).trimEnd();
}
