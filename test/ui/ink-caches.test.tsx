import { Box, renderToString, Text, Transform } from 'ink';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { shareInkCaches } from '../../source/ui/inkCaches.js';
import { event, FakeStore, renderApp, turn } from './helpers.js';

/** Trees that exercise what Ink's output does: styles, wide characters, overlap, transforms. */
function trees(variant: string): ReactElement[] {
  return [
    <Box key="a" flexDirection="column" width={40}>
      <Text bold color="green">
        Agent <Text color="red">{`warning ${variant}`}</Text> done
      </Text>
      <Text wrap="truncate-end">{`界面 wide characters ${variant} and a long tail that is cut`}</Text>
      <Text dimColor>{'· '.repeat(30)}</Text>
    </Box>,
    <Box key="b" flexDirection="row" width={50} borderStyle="single">
      <Box width={20}>
        <Text inverse>{` MUTED ${variant} `}</Text>
      </Box>
      <Box marginLeft={-3}>
        <Transform transform={(line, index) => `${index}:${line.toUpperCase()}`}>
          <Text>{`first\nsecond ${variant}`}</Text>
        </Transform>
      </Box>
    </Box>,
    // Text pulled above the top of the frame: Ink drops it whole.
    <Box key="d" flexDirection="column" width={20}>
      <Text>{`top ${variant}`}</Text>
      <Box marginTop={-2}>
        <Text>{`pulled\nup\n${variant}`}</Text>
      </Box>
    </Box>,
    // A box that hides its overflow: Ink's clipping path.
    <Box key="c" height={2} overflow="hidden" flexDirection="column" width={30}>
      <Text>one</Text>
      <Text color="yellow">{`two ${variant}`}</Text>
      <Text>three</Text>
    </Box>,
  ];
}

const draw = (variant: string) => trees(variant).map((t) => renderToString(t, { columns: 60 }));

async function appFrame(): Promise<string> {
  const store = new FakeStore({
    phase: 'ended',
    startedAt: 1_000,
    endedAt: 64_000,
    turns: [
      turn({ role: 'agent', text: 'Hello! 你好, what can I do?' }),
      turn({ role: 'user', text: 'Tell me about the weather, in a long sentence that wraps.' }),
    ],
    events: [event({ kind: 'warning', message: 'slow network' })],
  });
  const r = await renderApp(store, { columns: 100, rows: 30 });
  const frame = r.frame();
  r.unmount();
  return frame;
}

describe("Ink's row cache", () => {
  it('draws exactly what Ink draws, the first time and from the cache, and never a stale row', async () => {
    const before = draw('x');
    const changed = draw('yy');
    const app = await appFrame();
    expect(await shareInkCaches()).toBe(true);
    expect(await shareInkCaches()).toBe(true);
    expect(draw('x')).toEqual(before);
    expect(draw('x')).toEqual(before);
    expect(draw('yy')).toEqual(changed);
    expect(draw('x')).toEqual(before);
    expect(await appFrame()).toBe(app);
    expect(await appFrame()).toBe(app);
  });
});
