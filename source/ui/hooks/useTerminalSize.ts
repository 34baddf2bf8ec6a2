import { useWindowSize } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from '../layout.js';

/** Terminal size. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** The size of Ink's stdout, updated on every resize (Ink's own hook). */
export function useTerminalSize(): TerminalSize {
  const { columns, rows } = useWindowSize();
  return { columns: columns || MIN_COLUMNS, rows: rows || MIN_ROWS };
}
