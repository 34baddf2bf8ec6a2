/**
 * Server text cut to a cap is kept as a string of its own: kept as a view into the whole text,
 * 600 events cut from 900 KB debug lines held 690 MB (a hostile-server trial).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { truncate } from '../../source/protocol/sanitize.js';
import { cutAtGrapheme } from '../../source/text/graphemes.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('a cut of a long text', () => {
  it('keeps none of the text it was cut from', () => {
    const before = heapAfterGc();
    const kept: string[] = [];
    for (let i = 0; i < 200; i++) {
      // 1 MB of text each, as a flood of huge debug lines; an event keeps 500 characters.
      const line = `${i} ${'debug output '.repeat(80_000)}`;
      kept.push(i % 2 === 0 ? truncate(line.slice(0, 600), 500) : cutAtGrapheme(line, 500));
    }
    const grown = heapAfterGc() - before;
    expect(kept.every((text) => text.length <= 500)).toBe(true);
    expect(kept[0]).toMatch(/^0 debug output debug/);
    // 200 × 500 characters is 100 KB; the texts they came from, 200 MB.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
  });
});
