import { describe, expect, it } from 'vitest';
import { type LiveClock, LiveLayer } from '../../source/ui/live.js';

/** A terminal stream that records what is written to it. */
function recorder() {
  const writes: string[] = [];
  const stream = {
    columns: 80,
    rows: 24,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

/** A clock the test advances by hand. */
function manualClock(): { clock: LiveClock; tick: () => void; running: () => boolean } {
  let paint: (() => void) | undefined;
  return {
    clock: (p) => {
      paint = p;
      return () => {
        paint = undefined;
      };
    },
    tick: () => paint?.(),
    running: () => paint !== undefined,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveLayer', () => {
  it('repaints only the rows whose text changed, in place, keeping the cursor where it was', () => {
    const { stream, writes } = recorder();
    const clock = manualClock();
    const layer = new LiveLayer({ clock: clock.clock });
    layer.wrap(stream);
    let meter = 'agent ███···';
    layer.set({}, { x: 0, y: 17, render: () => meter });
    layer.set({}, { x: 40, y: 19, render: () => 'time    0:03' });
    layer.start();
    clock.tick();
    expect(writes).toEqual(['\u001b7\u001b[18;1Hagent ███···\u001b[20;41Htime    0:03\u001b8']);
    clock.tick();
    expect(writes).toHaveLength(1);
    meter = 'agent █·····';
    clock.tick();
    expect(writes[1]).toBe('\u001b7\u001b[18;1Hagent █·····\u001b8');
    layer.stop();
    expect(clock.running()).toBe(false);
  });

  it('redraws every row right after a frame written through the wrapped stream', async () => {
    const { stream, writes } = recorder();
    const layer = new LiveLayer({ clock: manualClock().clock });
    const ink = layer.wrap(stream);
    const row = {};
    layer.set(row, { x: 0, y: 0, render: () => 'header 0:01' });
    layer.paint();
    ink.write('frame 1');
    ink.write('frame 1, part 2');
    // Other properties of the stream are the real stream's.
    expect(ink.columns).toBe(80);
    await flush();
    expect(writes.slice(1)).toEqual([
      'frame 1',
      'frame 1, part 2',
      '\u001b7\u001b[1;1Hheader 0:01\u001b8',
    ]);
    // A row that moved is painted at its new place; a removed row is not painted any more.
    layer.set(row, { x: 0, y: 2, render: () => 'header 0:01' });
    expect(layer.paint()).toBeGreaterThan(0);
    expect(writes.at(-1)).toBe('\u001b7\u001b[3;1Hheader 0:01\u001b8');
    layer.delete(row);
    expect(layer.paint(true)).toBe(0);
  });

  it("paints inside Ink's synchronized update, so the terminal shows frame and rows at once", async () => {
    const { stream, writes } = recorder();
    const layer = new LiveLayer({ clock: manualClock().clock });
    const ink = layer.wrap(stream);
    layer.set({}, { x: 2, y: 5, render: () => 'meter' });
    ink.write('\u001b[?2026h');
    ink.write('frame');
    ink.write('\u001b[?2026l');
    await flush();
    expect(writes).toEqual([
      '\u001b[?2026h',
      'frame',
      '\u001b7\u001b[6;3Hmeter\u001b8',
      '\u001b[?2026l',
    ]);
  });

  it('writes nothing once disposed, not even the repaint queued by a last frame', async () => {
    const { stream, writes } = recorder();
    const layer = new LiveLayer({ clock: manualClock().clock });
    const ink = layer.wrap(stream);
    layer.set({}, { x: 0, y: 0, render: () => 'meter' });
    ink.write('last frame');
    layer.dispose();
    await flush();
    expect(writes).toEqual(['last frame']);
    expect(layer.paint(true)).toBe(0);
  });
});
