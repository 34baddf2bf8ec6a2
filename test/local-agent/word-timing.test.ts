import { beforeEach, describe, expect, it } from 'vitest';
import { TONE_BEEP_MS, TONE_GAP_MS } from '../../source/local-agent/audio.js';
import { synthesizeReply } from '../../source/local-agent/voices.js';
import { spokenUnits, wordsStartedBy } from '../../source/local-agent/word-timing.js';
import { commandMissing, skipWhenMissing } from '../helpers/requires.js';

const RATE = 24_000;
/** Short words and long ones, then a count with a pause after every comma. */
const TEXT =
  'Hi! I am an extraordinarily knowledgeable international telecommunications representative, ' +
  'so it is a pleasure to be of service to you. Let me count: one, two, three, four, five, six, ' +
  'seven, eight, nine, ten, eleven, twelve, thirteen, fourteen, fifteen.';

/** A sample at most this loud is silence (espeak-ng's pauses are digital silence or near it). */
const QUIET_PEAK = 300;
/** Silence this long is a pause; the stops inside and between words last under 60 ms. */
const PAUSE_MS = 100;

/** Silences of at least PAUSE_MS inside s16le `pcm` (not at its ends), as [start, end) in ms. */
function pausesIn(pcm: Buffer, rate: number): Array<readonly [number, number]> {
  const samples = pcm.length >> 1;
  const minRun = (PAUSE_MS * rate) / 1000;
  const pauses: Array<readonly [number, number]> = [];
  let quietFrom = -1;
  let heardSound = false;
  for (let i = 0; i < samples; i++) {
    if (Math.abs(pcm.readInt16LE(i * 2)) <= QUIET_PEAK) {
      if (quietFrom < 0) quietFrom = i;
      continue;
    }
    if (heardSound && quietFrom >= 0 && i - quietFrom >= minRun)
      pauses.push([(quietFrom / rate) * 1000, (i / rate) * 1000]);
    quietFrom = -1;
    heardSound = true;
  }
  return pauses;
}

describe('words heard of espeak-ng speech', () => {
  beforeEach((ctx) => skipWhenMissing(ctx, commandMissing('espeak-ng')));

  it('follows the audio to within a word at every pause of a reply', async () => {
    const words = TEXT.split(' ');
    const { pcm, wordStartsMs } = await synthesizeReply({
      voice: 'espeak',
      text: TEXT,
      sampleRate: RATE,
    });
    expect(wordStartsMs).toHaveLength(words.length);

    // The truth, from the audio itself: espeak-ng pauses after each punctuated word and nowhere
    // else, so in the n-th pause exactly the words up to the n-th punctuated one have been heard.
    const ends = words.flatMap((w, i) => (/[,.;:!?]$/.test(w) && i < words.length - 1 ? [i] : []));
    const pauses = pausesIn(pcm, RATE);
    expect(pauses).toHaveLength(ends.length);

    const misses = pauses.map(([start, end], n) => {
      const heard = ends[n]! + 1;
      const estimate = wordsStartedBy(wordStartsMs, (start + end) / 2);
      return { at: Math.round((start + end) / 2), heard, off: estimate - heard };
    });
    // Every cut is off by at most one word (spread evenly, the words were up to four off here).
    expect(misses.filter((m) => Math.abs(m.off) > 1)).toEqual([]);
  });
});

describe('words heard of other voices', () => {
  it('are spread evenly over beeps, one per word', async () => {
    const { wordStartsMs } = await synthesizeReply({ voice: 'tone', text: TEXT, sampleRate: RATE });
    const beepMs = TONE_BEEP_MS + TONE_GAP_MS;
    const beeps = TEXT.split(' ').map((_, i) => Math.round(i * beepMs));
    expect(wordStartsMs.map((ms) => Math.round(ms))).toEqual(beeps);
  });
});

describe('spokenUnits', () => {
  it('weighs letters, digits, and the pause after a word by its last mark', () => {
    expect(spokenUnits('a')).toBe(1.5);
    expect(spokenUnits(' extraordinarily')).toBe(15.5);
    expect(spokenUnits('one,')).toBe(8.5);
    expect(spokenUnits('slowly:')).toBe(12.5);
    expect(spokenUnits('"Hello!"')).toBe(13.5);
    expect(spokenUnits('(done.)')).toBe(12.5);
    expect(spokenUnits('21')).toBe(12.5);
    expect(spokenUnits('👋')).toBe(0.5);
  });
});
