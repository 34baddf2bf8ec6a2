/**
 * Plain mode prints an agent's reply as it was heard. Omnia sends a reply's final text long
 * before its audio has played: printed then, a reply later cut by hanging up or by a barge-in
 * stood in the output unmarked while the transcript file marked it `[interrupted]`. Through the
 * built CLI against the Omnia double, the agent's audio played into a WAV file that keeps time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { agentSays, type HostileCall, pause } from '../hostile/server.js';
import { double, runAgainst } from './helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];
const REPLY = 'Our opening hours are nine to five, every day but Sunday.';
/** The call's output rate (the app's default) and a frame of agent audio at it. */
const RATE = 48_000;
const FRAME_MS = 20;

/** `ms` of a 440 Hz tone, sent at once in 20 ms frames: the reply's audio, far ahead of time. */
function sendReplyAudio(call: HostileCall, ms: number): void {
  const samples = (RATE * FRAME_MS) / 1000;
  for (let f = 0; f < ms / FRAME_MS; f++) {
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) {
      const t = (f * samples + i) / RATE;
      pcm.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * t)), i * 2);
    }
    call.audio(pcm);
  }
}

/** The greeting's text at once, then its audio; `after` runs while it plays. */
function replyScript(audioMs: number, after: (call: HostileCall) => Promise<void>) {
  return async (call: HostileCall, created: { id: string }) => {
    call.json({ type: 'call_started', callId: created.id });
    call.json({ type: 'state', state: 'speaking' });
    call.json(agentSays(0, REPLY));
    sendReplyAudio(call, audioMs);
    call.json({ type: 'state', state: 'listening' });
    await after(call);
    if (await call.waitFor('hang_up', 30_000)) call.ws.close(1000, 'bye');
  };
}

const EVENTS = [
  '[error] server error: said while the reply played',
  '[error] server error: said after the reply played',
];

/** The lines of `stdout` that are among `wanted`, in the order printed. */
function linesOf(stdout: string, wanted: string[]): string[] {
  return stdout.split('\n').filter((line) => wanted.includes(line));
}

async function plainCall(
  script: (call: HostileCall, created: { id: string }) => Promise<void>,
  extra: string[],
): Promise<{ stdout: string; code: number | null; stderr: string; file: string; home: string }> {
  const server = await double({ agents: AGENTS, recordDelayMs: 0, script });
  const run = await runAgainst(server, [
    '--plain',
    '--agent',
    'agt_front',
    '--input',
    'none',
    '--output',
    'agent.wav',
    '--transcript',
    'call.txt',
    ...extra,
  ]);
  return { ...run, file: readFileSync(join(run.home, 'call.txt'), 'utf8') };
}

describe('plain mode prints a reply as it was heard', () => {
  it('a reply heard whole is printed when its audio has played, unmarked', async () => {
    const run = await plainCall(
      replyScript(2_000, async (call) => {
        // Said while the reply still plays, well after its text came: printed before it.
        await pause(900);
        call.json({ type: 'error', message: 'said while the reply played' });
        // Said once it has played: printed after it.
        await pause(1_700);
        call.json({ type: 'error', message: 'said after the reply played' });
      }),
      ['--duration', '4'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(linesOf(run.stdout, [`Agent: ${REPLY}`, ...EVENTS]), run.stdout).toEqual([
      '[error] server error: said while the reply played',
      `Agent: ${REPLY}`,
      '[error] server error: said after the reply played',
    ]);
    expect(run.file).toContain(`Agent: ${REPLY}\n`);
  }, 40_000);

  it('a reply with no audio, or one a later turn follows, is printed at once', async () => {
    const run = await plainCall(
      async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json(agentSays(0, 'Text only.'));
        await pause(1_000);
        call.json({ type: 'error', message: 'a second later' });
        // A reply with 4 s of audio, then the user's own words while it plays: the store can
        // mark only the last turn cut, so nothing is left to wait for.
        call.json(agentSays(1, REPLY));
        sendReplyAudio(call, 4_000);
        await pause(300);
        call.json({ type: 'transcript', role: 'user', ordinal: 2, text: 'Thanks.', final: true });
        await pause(700);
        call.json({ type: 'error', message: 'a second after the reply' });
        if (await call.waitFor('hang_up', 30_000)) call.ws.close(1000, 'bye');
      },
      ['--duration', '3'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(
      linesOf(run.stdout, [
        'Agent: Text only.',
        `Agent: ${REPLY}`,
        'User: Thanks.',
        '[error] server error: a second later',
        '[error] server error: a second after the reply',
      ]),
      run.stdout,
    ).toEqual([
      'Agent: Text only.',
      '[error] server error: a second later',
      `Agent: ${REPLY}`,
      'User: Thanks.',
      '[error] server error: a second after the reply',
    ]);
  }, 40_000);

  it('a reply cut by hanging up is printed once, marked [interrupted], as the file has it', async () => {
    const run = await plainCall(
      replyScript(5_000, async () => undefined),
      ['--duration', '1.5'],
    );
    expect(run.code, run.stderr).toBe(0);
    const replies = run.stdout.split('\n').filter((line) => line.startsWith('Agent: '));
    expect(replies, run.stdout).toEqual([`Agent: ${REPLY} [interrupted]`]);
    expect(run.file).toContain(`Agent: ${REPLY} [interrupted]\n`);
  }, 40_000);

  it('a reply cut by the server’s playback_clear_buffer is printed marked [interrupted]', async () => {
    const run = await plainCall(
      replyScript(5_000, async (call) => {
        await pause(1_000);
        call.json({ type: 'playback_clear_buffer' });
      }),
      ['--duration', '2.5'],
    );
    expect(run.code, run.stderr).toBe(0);
    const replies = run.stdout.split('\n').filter((line) => line.startsWith('Agent: '));
    expect(replies, run.stdout).toEqual([`Agent: ${REPLY} [interrupted]`]);
    expect(run.file).toContain(`Agent: ${REPLY} [interrupted]\n`);
    // A second of it was heard: not said to be unheard.
    expect(run.stdout).not.toContain('not heard');
    expect(peakOf(join(run.home, 'agent.wav'))).toBeGreaterThan(4000);
  }, 40_000);

  it('a reply cleared before any of its audio was heard is marked so, in the output and the file', async () => {
    // The user talks at once over a greeting (a trial's WAV input did): the clear comes while
    // the reply's first audio waits in the player's lead. Three frames and the clear go out
    // together, so they arrive before the player's next write (with a second of audio ahead
    // of it, the clear came after the first 200 ms were heard on a busy machine: said as heard).
    const run = await plainCall(
      replyScript(60, async (call) => {
        call.json({ type: 'playback_clear_buffer' });
      }),
      ['--duration', '1.5', '-v'],
    );
    expect(run.code, run.stderr).toBe(0);
    // The output device heard next to nothing of it: a few ms at most, no word.
    expect(soundingMs(join(run.home, 'agent.wav')), run.stdout).toBeLessThan(50);
    const replies = run.stdout.split('\n').filter((line) => line.startsWith('Agent: '));
    expect(replies, run.stdout).toEqual([`Agent: ${REPLY} [interrupted, not heard]`]);
    expect(run.stdout).toMatch(
      /^\[info\] barge-in: server cleared playback \(\d+ ms of agent audio dropped: none of the reply was heard yet\)$/m,
    );
    expect(run.file).toContain(`Agent: ${REPLY} [interrupted, not heard]\n`);
  }, 40_000);

  it('a reply queued right behind another and cut once some of it was heard is not said unheard', async () => {
    // Both replies come at once, far ahead of time (the local agent streams at 4x): the second
    // starts where the first ends, with no silence between, and the clear comes half a second
    // into it.
    const second = 'And on Saturdays we close at noon.';
    const run = await plainCall(
      async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({ type: 'state', state: 'speaking' });
        call.json(agentSays(0, REPLY));
        sendReplyAudio(call, 1_000);
        call.json(agentSays(1, second));
        sendReplyAudio(call, 3_000);
        await pause(1_700);
        call.json({ type: 'playback_clear_buffer' });
        if (await call.waitFor('hang_up', 30_000)) call.ws.close(1000, 'bye');
      },
      ['--duration', '3', '-v'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Agent: ${second} [interrupted]`);
    expect(run.stdout).not.toContain('not heard');
    expect(run.file).toContain(`Agent: ${second} [interrupted]\n`);
  }, 40_000);

  it('a reply heard, then held up by a late frame and cut while it waits, is not said unheard', async () => {
    // The player writes silence when a frame is late and starts again when audio comes: the
    // reply was heard for a second before that, whatever the restart says.
    const run = await plainCall(
      replyScript(1_000, async (call) => {
        await pause(1_300);
        sendReplyAudio(call, 1_000);
        call.json({ type: 'playback_clear_buffer' });
      }),
      ['--duration', '3', '-v'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /barge-in: server cleared playback \(\d+ ms of agent audio dropped\)$/m,
    );
    expect(run.stdout).not.toContain('not heard');
    expect(run.file).toContain(`Agent: ${REPLY} [interrupted]\n`);
  }, 40_000);
});

/** How much of a 16-bit mono WAV file at {@link RATE} is not silence (ms). */
function soundingMs(path: string): number {
  const { data } = parseWav(readFileSync(path));
  let sounding = 0;
  for (let i = 0; i + 1 < data.length; i += 2) if (data.readInt16LE(i) !== 0) sounding++;
  return (sounding / RATE) * 1000;
}

/** The largest sample of a 16-bit WAV file's data. */
function peakOf(path: string): number {
  const { data } = parseWav(readFileSync(path));
  let peak = 0;
  for (let i = 0; i + 1 < data.length; i += 2) peak = Math.max(peak, Math.abs(data.readInt16LE(i)));
  return peak;
}
