/**
 * Screen geometry as a pure function of the terminal size and what is shown, so panes know
 * their exact size (the transcript renders only the rows that fit).
 */

/** At least this many columns puts the info pane at the side instead of at the bottom. */
export const WIDE_MIN_COLUMNS = 100;
/** The side pane's width at 100 columns; wider screens give it more, up to the most below. */
export const SIDE_PANE_WIDTH = 38;
/** The side pane's widest: the call's facts whole (a UUID call id, a WAV file's name). */
export const SIDE_PANE_MAX_WIDTH = 60;

/**
 * The side pane's columns: a third of the screen, at least {@link SIDE_PANE_WIDTH} (the facts
 * and the meters' readouts fit) and at most {@link SIDE_PANE_MAX_WIDTH} (the transcript keeps
 * the rest): 38 at 100 columns, 60 at 200.
 */
export function sidePaneWidth(columns: number): number {
  return Math.min(SIDE_PANE_MAX_WIDTH, Math.max(SIDE_PANE_WIDTH, Math.floor(columns * 0.3)));
}
/** Rows of the bottom info pane in narrow terminals (state, meters, flags, echo / call facts). */
export const BOTTOM_PANE_ROWS = 6;
/** Rows of the events pane when shown at the bottom (title included). */
export const BOTTOM_EVENTS_ROWS = 5;
/** Smallest size the layout is designed for; smaller terminals get clipped panes. */
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface LayoutInput {
  readonly columns: number;
  readonly rows: number;
  readonly showEvents: boolean;
  /** Notice rows (error banner, toast) above the footer. */
  readonly noticeRows: number;
  /** `--record` is on: the side pane has a row more for the `record` fact. */
  readonly recording?: boolean;
}

export interface Layout {
  readonly wide: boolean;
  /** Total rows drawn: the whole terminal (Ink draws a frame that fills it without scrolling). */
  readonly height: number;
  readonly width: number;
  /** The header's row: 0 on a one-row terminal, where the footer (the way out) is all. */
  readonly headerRows: number;
  /** Notice rows shown (those that fit above the footer). */
  readonly noticeRows: number;
  /** Rows between the header and the notices/footer (0 when none are left). */
  readonly bodyRows: number;
  readonly transcript: { readonly width: number; readonly height: number };
  /** The info pane: at the side (wide) or at the bottom (narrow). */
  readonly info: { readonly width: number; readonly height: number };
  /** Rows of the events pane (0 when hidden). */
  readonly eventsRows: number;
}

/** Rows the side pane's info block takes: state, blank, 3 meter rows, blank, 10 fact rows. */
export const SIDE_INFO_ROWS = 16;

/** The side pane's info block, with the `record` fact under the others while recording. */
export function sideInfoRows(recording = false): number {
  return SIDE_INFO_ROWS + (recording ? 1 : 0);
}

const HEADER_ROWS = 1;
const FOOTER_ROWS = 1;

/** The columns the UI draws in: the terminal's (80 when it does not say). */
export function screenWidth(columns: number): number {
  return Math.max(1, Math.floor(columns) || MIN_COLUMNS);
}

export function computeLayout(input: LayoutInput): Layout {
  // Never larger than the terminal, however small: a frame taller than the screen scrolls it.
  const width = screenWidth(input.columns);
  const height = Math.max(1, Math.floor(input.rows) || MIN_ROWS);
  // On a screen of a row or two the rows go, in turn, to the footer (the way out), the header
  // (phase and clock), the notices, and only then the panes: never two rows drawn on one.
  const headerRows = height > FOOTER_ROWS ? HEADER_ROWS : 0;
  const noticeRows = Math.min(input.noticeRows, height - FOOTER_ROWS - headerRows);
  const bodyRows = Math.max(0, height - headerRows - FOOTER_ROWS - noticeRows);
  const rows = { headerRows, noticeRows, bodyRows };
  const wide = width >= WIDE_MIN_COLUMNS;
  if (wide) {
    // One column for the separator between transcript and side pane.
    const side = sidePaneWidth(width);
    const transcriptWidth = width - side - 1;
    const infoRows = Math.min(bodyRows, sideInfoRows(input.recording));
    return {
      wide,
      height,
      width,
      ...rows,
      transcript: { width: transcriptWidth, height: bodyRows },
      info: { width: side, height: infoRows },
      eventsRows: input.showEvents ? Math.max(0, bodyRows - infoRows) : 0,
    };
  }
  const eventsRows = input.showEvents ? Math.min(BOTTOM_EVENTS_ROWS, Math.max(0, bodyRows - 2)) : 0;
  // One row for the rule between the transcript and the bottom pane, when there is a pane.
  const infoRows = Math.min(BOTTOM_PANE_ROWS, Math.max(0, bodyRows - eventsRows - 2));
  const below = infoRows + eventsRows;
  const transcriptRows = Math.max(0, bodyRows - (below > 0 ? below + 1 : 0));
  return {
    wide,
    height,
    width,
    ...rows,
    transcript: { width, height: transcriptRows },
    info: { width, height: infoRows },
    eventsRows,
  };
}
