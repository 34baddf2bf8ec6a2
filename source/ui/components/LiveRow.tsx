import { Box, type DOMElement, Text } from 'ink';
import { type ReactElement, useContext, useLayoutEffect, useRef } from 'react';
import type { Snapshot } from '../../session/types.js';
import { LiveContext } from '../live.js';

/**
 * Screen position of a one-row Ink element, from the layout Ink has just computed; undefined
 * when a box that hides its overflow (a pane too short for its rows) does not show the row.
 */
export function screenPosition(node: DOMElement): { x: number; y: number } | undefined {
  const chain: DOMElement[] = [];
  for (let at: DOMElement | undefined = node; at; at = at.parentNode) chain.push(at);
  let x = 0;
  let y = 0;
  const tops = new Map<DOMElement, number>();
  for (const at of chain.reverse()) {
    if (!at.yogaNode) return undefined;
    x += at.yogaNode.getComputedLeft();
    y += at.yogaNode.getComputedTop();
    tops.set(at, y);
  }
  for (const at of chain) {
    const hides = at.style.overflow === 'hidden' || at.style.overflowY === 'hidden';
    if (!hides || at === node) continue;
    const top = tops.get(at) ?? 0;
    if (y < top || y + 1 > top + (at.yogaNode?.getComputedHeight() ?? 0)) return undefined;
  }
  return { x, y };
}

export interface LiveRowProps {
  readonly width: number;
  /** The row for a snapshot at a time: styled, exactly `width` columns (see `rows.ts`). */
  readonly text: (snapshot: Snapshot, now: number) => string;
  /** What Ink draws without a live layer (rows that only exist with one may leave it out). */
  readonly snapshot?: Snapshot;
  readonly now?: number;
}

/**
 * One row that keeps itself up to date (see `live.ts`): Ink lays out an empty box, and the
 * live layer paints the row there with the latest snapshot, with each of Ink's frames and
 * whenever its text changes. Without a live layer (Ink alone, as in tests) Ink draws the row
 * with the snapshot it renders.
 */
export function LiveRow({ width, text, snapshot, now }: LiveRowProps): ReactElement {
  const live = useContext(LiveContext);
  const ref = useRef<DOMElement>(null);
  const textRef = useRef(text);
  textRef.current = text;
  // After every commit Ink has laid the tree out again: the row may have moved.
  useLayoutEffect(() => {
    const node = ref.current;
    if (!live || !node) return;
    const at = screenPosition(node);
    if (!at) {
      live.layer.delete(ref);
      return;
    }
    live.layer.set(ref, {
      x: at.x,
      y: at.y,
      render: () => textRef.current(live.snapshot(), Date.now()),
    });
  });
  useLayoutEffect(() => () => live?.layer.delete(ref), [live]);
  return (
    <Box ref={ref} width={width} height={1} flexShrink={0}>
      {live || !snapshot ? null : (
        <Text wrap="truncate-end">{text(snapshot, now ?? Date.now())}</Text>
      )}
    </Box>
  );
}
