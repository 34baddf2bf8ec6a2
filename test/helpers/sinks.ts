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
    write: (pcm) => sink.write(pcm),
    close: () => sink.close(),
  };
}
