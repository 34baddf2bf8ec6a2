import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitIntoFrames, synthesizeTone } from '../../source/local-agent/audio.js';
import { oneLine, parseClientFrame } from '../../source/local-agent/messages.js';
import { AUDIO_KEEP_MS, CallRecord } from '../../source/local-agent/record.js';
import { validateCreateCall } from '../../source/local-agent/rest.js';
import {
  clientToolAnswer,
  planTypedReply,
  spokenTranscript,
  wordDeltas,
} from '../../source/local-agent/script.js';
import { SpeechDetector, type VadEvent } from '../../source/local-agent/vad.js';
import { peakOf, silence, tone } from './helpers.js';

describe('speech detector', () => {
  const rate = 16_000;
  const run = (pcm: Buffer, chunk: number): VadEvent[] => {
    const d = new SpeechDetector(rate);
    const events: VadEvent[] = [];
    for (let i = 0; i < pcm.length; i += chunk) events.push(...d.push(pcm.subarray(i, i + chunk)));
    return events;
  };

  it('finds one utterance and its length, whatever the chunking (odd sizes included)', () => {
    const pcm = Buffer.concat([silence(300, rate), tone(1_200, rate), silence(700, rate)]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_001 }), (chunk) => {
        const events = run(pcm, chunk);
        expect(events.map((e) => e.kind)).toEqual(['start', 'end']);
        const end = events[1]!;
        if (end.kind !== 'end') throw new Error('no end');
        expect(end.speechMs).toBe(1_200);
        // The echo keeps the speech, not the trailing hangover silence.
        expect(end.utterance.length).toBe(tone(1_200, rate).length);
        expect(peakOf(end.utterance.subarray(end.utterance.length - 64))).toBeGreaterThan(1_000);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps pauses shorter than the hangover inside one utterance', () => {
    const pcm = Buffer.concat([
      tone(400, rate),
      silence(400, rate),
      tone(400, rate),
      silence(700, rate),
    ]);
    const events = run(pcm, 640);
    expect(events.map((e) => e.kind)).toEqual(['start', 'end']);
    expect(events[1]).toMatchObject({ speechMs: 1_200 });
  });

  it('splits on pauses longer than the hangover', () => {
    const pcm = Buffer.concat([
      tone(300, rate),
      silence(700, rate),
      tone(300, rate),
      silence(700, rate),
    ]);
    expect(run(pcm, 640).map((e) => e.kind)).toEqual(['start', 'end', 'start', 'end']);
  });

  it('ignores quiet noise under -40 dBFS and clicks under 60 ms', () => {
    const pcm = Buffer.concat([tone(2_000, rate, -46), tone(40, rate, -3), silence(800, rate)]);
    expect(run(pcm, 640)).toEqual([]);
  });
});

describe('audio helpers', () => {
  it('splits audio into varying frames that reassemble exactly, some odd-length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), (samples) => {
        const pcm = Buffer.alloc(samples * 2);
        for (let i = 0; i < pcm.length; i++) pcm[i] = i & 0xff;
        const frames = splitIntoFrames(pcm, 24_000);
        expect(Buffer.concat(frames).equals(pcm)).toBe(true);
        expect(frames.every((f) => f.length > 0)).toBe(true);
        if (samples > 10_000) expect(frames.some((f) => f.length % 2 === 1)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('beeps once per word', () => {
    const one = synthesizeTone(1, 24_000);
    expect(synthesizeTone(5, 24_000).length).toBe(one.length * 5);
    expect(peakOf(one)).toBeGreaterThan(0.2 * 32_767);
  });
});

describe('messages and script', () => {
  it('classifies client frames without throwing', () => {
    expect(parseClientFrame('{"type":"ping","timestamp":3}')).toMatchObject({
      kind: 'message',
      message: { type: 'ping', timestamp: 3 },
    });
    expect(
      parseClientFrame('{"type":"user_text_message","text":"x","urgency":"weird"}'),
    ).toMatchObject({ message: { urgency: 'soon' } });
    expect(parseClientFrame('nope').kind).toBe('invalid');
    expect(parseClientFrame('null').kind).toBe('invalid');
    expect(parseClientFrame('{"type":"call_event"}').kind).toBe('ignored');
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(['message', 'ignored', 'invalid']).toContain(parseClientFrame(s).kind);
      }),
    );
  });

  it('strips control characters and caps length in repeated text', () => {
    expect(oneLine('a\u001b[31mb\nc\u0007')).toBe('a [31mb c');
    expect(oneLine('x'.repeat(500), 10)).toHaveLength(10);
  });

  it('keeps joiners in repeated text and cuts it between graphemes', () => {
    const family = '👨\u200d👩\u200d👧';
    // 19 UTF-16 units cut to 12: the second family (units 11-18) does not fit, and half of
    // its first emoji is not left behind.
    expect(oneLine(`ab ${family}${family}`, 13)).toBe(`ab ${family}…`);
    expect(oneLine(`ab ${family}`, 13)).toBe(`ab ${family}`);
    // Zero-width space and direction marks go; the non-joiner of Persian words stays.
    expect(oneLine('a\u200bb\u200ec')).toBe('a b c');
    expect(oneLine('می\u200cخواهم')).toBe('می\u200cخواهم');
  });

  it('plans replies: echo, server tool with a city, client tool', () => {
    expect(planTypedReply('hi')).toEqual({ kind: 'say', text: 'You typed: hi' });
    expect(planTypedReply('weather for new york please')).toMatchObject({
      kind: 'server_tool',
      args: { city: 'New York Please' },
    });
    expect(planTypedReply('call a tool')).toMatchObject({
      kind: 'server_tool',
      args: { city: 'Lisbon' },
    });
    expect(planTypedReply('Run the CLIENT TOOL')).toMatchObject({
      kind: 'client_tool',
      toolName: 'show_banner',
    });
    expect(spokenTranscript(1_840)).toBe('(spoke 1.8 s)');
    expect(wordDeltas('  one two  three ').join('')).toBe('one two three');
  });

  it('says what a client tool answered in a sentence, with or without an error type', () => {
    // What omnia-voice sends for a tool it does not have: the agent repeats its reason, and
    // says "no such tool" in words, not "error type undefined".
    const reason = 'no --tools file given to answer it';
    expect(
      clientToolAnswer('show_banner', {
        error: reason,
        errorType: 'undefined',
        errorMessage: reason,
      }),
    ).toBe('The client has no show_banner tool: no --tools file given to answer it.');
    // Omnia's own failure field alone is a failure too, not an empty result.
    expect(clientToolAnswer('lookup', { error: 'database locked' })).toBe(
      'The lookup tool failed: database locked.',
    );
    expect(
      clientToolAnswer('lookup', {
        errorType: 'implementation-error',
        errorMessage: 'timed out after 2 s',
      }),
    ).toBe('The lookup tool failed: timed out after 2 s.');
    expect(clientToolAnswer('lookup', { errorType: 'undefined' })).toBe(
      'The client has no lookup tool.',
    );
    expect(
      clientToolAnswer('lookup', { errorType: 'rate-limited', errorMessage: 'slow down' }),
    ).toBe('The lookup tool failed (rate-limited): slow down.');
    expect(clientToolAnswer('lookup', { result: '{"ok":true}' })).toBe(
      'The lookup tool returned: {"ok":true}.',
    );
    expect(clientToolAnswer('lookup', undefined)).toBe(
      'The client did not answer the lookup tool in time.',
    );
  });

  it('validates call creation bodies', () => {
    expect(validateCreateCall('{"agentId":"a","websocket":{"inputSampleRate":8000}}')).toEqual({
      ok: true,
      request: { agentId: 'a', inputSampleRate: 8_000, outputSampleRate: 48_000 },
    });
    expect(validateCreateCall('{"agentId":"a","websocket":[]}')).toMatchObject({
      ok: false,
      status: 400,
    });
  });
});

describe('call record', () => {
  it('keeps only the last minute of audio, starting on a sample boundary', () => {
    const rate = 8_000;
    const record = new CallRecord('id', {
      agentId: 'a',
      inputSampleRate: rate,
      outputSampleRate: rate,
    });
    const limit = (AUDIO_KEEP_MS / 1000) * rate * 2;
    // 61 s in odd-sized chunks: the kept audio is the last 60 s, samples intact.
    const all = Buffer.alloc(limit + rate * 2);
    for (let i = 0; i < all.length / 2; i++) all.writeInt16LE(i % 30_000, i * 2);
    for (let i = 0; i < all.length; i += 1_001) record.addAudio(all.subarray(i, i + 1_001));
    expect(record.bytesReceived).toBe(all.length);
    const kept = record.audio;
    expect(kept.length).toBeLessThanOrEqual(limit);
    expect(kept.length).toBeGreaterThan(limit - 4);
    expect(kept.equals(all.subarray(all.length - kept.length))).toBe(true);
    expect((all.length - kept.length) % 2).toBe(0);
  });
});
