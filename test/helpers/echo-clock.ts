/**
 * An echo path driven frame by frame on a modelled device clock (20 ms a frame, the clock moved
 * by the driver, not by the wall), as the app drives it: what the loudspeaker plays pushed with
 * the time it is heard, then the mic frame of the same moment. Shared by the echo path's tests.
 */
import { performance } from 'node:perf_hooks';
import { vi } from 'vitest';
import type { EchoMode } from '../../source/audio/echo/mode.js';
import { type EchoPath, type EchoResult, openEchoPath } from '../../source/audio/echo/path.js';
import { measurePcm } from '../../source/audio/levels.js';

export const FRAME_MS = 20;

/** The voice from its first word: what plays before it (espeak's lead-in) is silence. */
export function fromFirstWord(pcm: Buffer): Buffer {
  let first = 0;
  while (first * 2 < pcm.length && Math.abs(pcm.readInt16LE(first * 2)) < 1_000) first++;
  return pcm.subarray(first * 2);
}

export interface ClockedPath {
  readonly path: EchoPath;
  /**
   * One frame of the agent playing `agent`; `mic` gets what the loudspeaker played. `muted`:
   * the user's mute (or push-to-talk up), as the store tells the path; `talking`: the talk
   * control held (push-to-talk down).
   */
  frame(mic: (played: Buffer) => Buffer, muted?: boolean, talking?: boolean): EchoResult;
}

/**
 * Opens a path for a mic and a loudspeaker at `rate` with `performance.now()` on the modelled
 * clock (undo with `vi.restoreAllMocks()`), playing `agent` from its start.
 */
export async function clockedPath(
  agent: Buffer,
  rate: number,
  mode: EchoMode = 'cancel',
): Promise<ClockedPath> {
  let now = 10_000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const path = await openEchoPath(
    mode,
    { inputKind: 'mic', loudspeaker: true },
    { input: rate, output: rate },
  );
  const frameBytes = (rate * FRAME_MS * 2) / 1000;
  let k = 0;
  return {
    path,
    frame: (mic, muted = false, talking = false) => {
      const played = agent.subarray(k * frameBytes, (k + 1) * frameBytes);
      k++;
      path.onPlayed(played, now);
      const result = path.process(mic(played), {
        playing: true,
        levelDb: measurePcm(played).rmsDb,
        muted,
        talking,
      });
      now += FRAME_MS;
      return result;
    },
  };
}
