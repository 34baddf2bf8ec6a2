import { spawn } from 'node:child_process';
import { msForBytes } from '../audio/constants.js';
import { resampleS16 } from '../audio/resample.js';
import { parseWav, toMonoS16 } from '../audio/wav.js';
import { synthesizeTone } from './audio.js';
import { wordDeltas } from './script.js';
import type { LocalVoice } from './types.js';
import { evenWordStarts, spokenWordStarts } from './word-timing.js';

/** espeak-ng gets this long to speak one reply before we give up on it. */
const ESPEAK_TIMEOUT_MS = 10_000;
/** Replies are short; a runaway synthesis must not eat memory. */
const ESPEAK_MAX_BYTES = 20 * 1024 * 1024;

let espeakAvailable: Promise<boolean> | undefined;

/** Whether espeak-ng can be run here. Checked once per process. */
export function hasEspeak(): Promise<boolean> {
  espeakAvailable ??= new Promise((resolve) => {
    const child = spawn('espeak-ng', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
  return espeakAvailable;
}

/**
 * Speaks `text` with espeak-ng and returns s16le mono at `sampleRate`. The text goes in on stdin,
 * never argv, so nothing a user typed can be read as an option; `voice` (`en-us+Alex`) comes
 * from the catalog's checked names only.
 */
export function speakWithEspeak(text: string, sampleRate: number, voice?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = voice === undefined ? ['--stdout'] : ['--stdout', '-v', voice];
    const child = spawn('espeak-ng', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (error: Error | undefined, pcm?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(pcm!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error('espeak-ng took too long'));
    }, ESPEAK_TIMEOUT_MS);
    child.once('error', (error) => finish(new Error(`espeak-ng failed: ${error.message}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > ESPEAK_MAX_BYTES) {
        child.kill('SIGKILL');
        finish(new Error('espeak-ng output too large'));
        return;
      }
      chunks.push(chunk);
    });
    child.once('close', (code) => {
      if (code !== 0) {
        finish(new Error(`espeak-ng exited with code ${code}`));
        return;
      }
      try {
        // espeak-ng streams its WAV with placeholder sizes; parseWav takes the rest of the file.
        const wav = parseWav(Buffer.concat(chunks));
        finish(undefined, resampleS16(toMonoS16(wav), wav.sampleRate, sampleRate));
      } catch (error) {
        finish(new Error(`espeak-ng output unusable: ${(error as Error).message}`));
      }
    });
    child.stdin.on('error', () => {
      // espeak exiting early closes the pipe; 'close' reports the real outcome.
    });
    child.stdin.end(text);
  });
}

/** What a reply should sound like, and what it has to work with. */
export interface VoiceRequest {
  readonly voice: LocalVoice;
  readonly text: string;
  readonly sampleRate: number;
  /** The user's last utterance at `utteranceRate`, for the echo voice. */
  readonly utterance?: Buffer | undefined;
  readonly utteranceRate?: number | undefined;
  /** espeak-ng's `-v` argument (`en-us+Alex`), for the espeak voice. */
  readonly espeakVoice?: string | undefined;
}

/** Reply audio plus a warning when the requested voice could not be used. */
export interface VoiceResult {
  readonly pcm: Buffer;
  /** Where each word of the text starts in `pcm`, in ms. */
  readonly wordStartsMs: readonly number[];
  readonly warning?: string;
}

/**
 * Produces reply audio. espeak falls back to echo when espeak-ng is not installed; echo falls back
 * to tone when there is no utterance to play (a greeting, a typed message).
 */
export async function synthesizeReply(request: VoiceRequest): Promise<VoiceResult> {
  // The same words the conversation streams as deltas, so each has its start.
  const deltas = wordDeltas(request.text);
  const words = deltas.length;
  // Beeps are one per word and a user's voice has no words to follow: an even spread.
  const withEvenWords = (pcm: Buffer, warning?: string): VoiceResult => {
    const wordStartsMs = evenWordStarts(words, msForBytes(pcm.length, request.sampleRate));
    return warning === undefined ? { pcm, wordStartsMs } : { pcm, wordStartsMs, warning };
  };
  let voice = request.voice;
  if (voice === 'espeak') {
    if (await hasEspeak()) {
      try {
        const pcm = await speakWithEspeak(request.text, request.sampleRate, request.espeakVoice);
        const ms = msForBytes(pcm.length, request.sampleRate);
        return { pcm, wordStartsMs: spokenWordStarts(deltas, ms) };
      } catch (error) {
        return withEvenWords(
          synthesizeTone(words, request.sampleRate),
          `local agent voice unavailable (${(error as Error).message}); using beeps`,
        );
      }
    }
    voice = 'echo';
  }
  if (voice === 'echo' && request.utterance && request.utterance.length >= 2) {
    const rate = request.utteranceRate ?? request.sampleRate;
    return withEvenWords(resampleS16(request.utterance, rate, request.sampleRate));
  }
  return withEvenWords(synthesizeTone(words, request.sampleRate));
}
