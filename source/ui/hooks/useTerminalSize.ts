import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { MIN_COLUMNS, MIN_ROWS } from '../layout.js';

/** Terminal size. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

function read(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || MIN_COLUMNS, rows: stdout.rows || MIN_ROWS };
}

/** The size of Ink's stdout, updated on every resize. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => {
      const next = read(stdout);
      setSize((prev) => (prev.columns === next.columns && prev.rows === next.rows ? prev : next));
    };
    stdout.on('resize', onResize);
    // The size may have changed between the first render and this effect.
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
