import type { WavFileSink } from '../../source/audio/sinks/wav-sink.js';
import type { AudioSink } from '../../source/audio/types.js';

/**
 * A WAV sink that hides its drop, as sox play has none: after a clear it plays out what it
 * holds (tests and the playback bench compare the two kinds of sink).
 */
export function withoutDrop(sink: WavFileSink): AudioSink {
  return {
    description: sink.description,
    sampleRate: sink.sampleRate,
    open: () => sink.open(),
    startClock: () => sink.startClock(),
    // Where the player put a block after a dry spell, as the WAV device takes it: without it
    // the device's timeline slips behind the player's by each dry spell's pause, and holds more
    // than the lead (55 ms instead of 25 seen under stress-ng).
    write: (pcm, at) => sink.write(pcm, at),
    close: () => sink.close(),
  };
}
