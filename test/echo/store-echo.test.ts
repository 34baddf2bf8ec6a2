import { afterEach, describe, expect, it } from 'vitest';
import { createCall } from '../../source/api/create-call.js';
import { formatLevels } from '../../source/app/plain.js';
import { openEchoPath } from '../../source/audio/echo/path.js';
import { Player } from '../../source/audio/player.js';
import { NullSink } from '../../source/audio/sinks/null-sink.js';
import { MicSource } from '../../source/audio/sources/mic-source.js';
import { SilenceSource } from '../../source/audio/sources/silence-source.js';
import type { AudioSource } from '../../source/audio/types.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { blankSnapshot } from '../../source/session/snapshot.js';
import { SessionStore } from '../../source/session/store.js';
import { waitFor } from '../helpers/cli.js';
import { snapshotWith } from '../helpers/snapshot.js';

const RATE = 16_000;
const MIC = { inputKind: 'mic', loudspeaker: true };
let agent: LocalAgent | undefined;
let store: SessionStore | undefined;
afterEach(async () => {
  await store?.actions.hangUp();
  await agent?.close();
  store = undefined;
  agent = undefined;
  delete process.env.OMNIA_VOICE_DISABLE_SPEEXDSP;
});

let player: Player | undefined;

/** An output device that can be made to fail mid-call, as a killed speaker child does. */
class FailingSink extends NullSink {
  private handler: ((message: string) => void) | undefined;
  onError(handler: (message: string) => void): void {
    this.handler = handler;
  }
  fail(message: string): void {
    this.handler?.(message);
  }
}
let sink: FailingSink | undefined;

async function call(
  echo: Awaited<ReturnType<typeof openEchoPath>>,
  source: AudioSource = new SilenceSource(RATE),
  keepRunning = false,
): Promise<SessionStore> {
  agent = await startLocalAgent({ voice: 'tone' });
  const created = await createCall({
    apiBase: agent.baseUrl,
    agentId: 'demo',
    inputSampleRate: RATE,
    outputSampleRate: RATE,
  });
  sink = new FailingSink(RATE);
  await sink.open();
  // As the app wires it (call-parts.ts): the output gone is said, and the store told.
  player = new Player(sink, {
    keepRunning,
    onError: (message) => store?.reportOutputLost('audio output stopped: test', message),
  });
  store = new SessionStore({
    websocketUrl: created.websocketUrl,
    local: true,
    source,
    player,
    inputSampleRate: RATE,
    outputSampleRate: RATE,
    input: { kind: 'mic', description: 'test' },
    output: { kind: 'speaker', description: 'test' },
    echoGuard: echo.guards,
    echo,
    ptt: false,
  });
  await store.start();
  return store;
}

describe('the echo path in a call', () => {
  it('cancels: says so, and gives no ERLE figure while the mic holds no echo', async () => {
    const s = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }));
    expect(s.getSnapshot().echo.mode).toBe('cancel');
    const said = s.getSnapshot().events.find((e) => e.message.startsWith('echo:'));
    expect(said).toMatchObject({
      kind: 'info',
      message: expect.stringMatching(/^echo: cancelling/),
    });
    // The greeting plays; the mic is digital silence, so there is no echo to measure: no figure.
    await waitFor(() => s.getSnapshot().agentState === 'speaking', { what: 'the greeting' });
    await new Promise((r) => setTimeout(r, 500));
    expect(s.getSnapshot().echo.erleDb).toBeUndefined();
  }, 20_000);

  it('opens the mic, and says so once, when the agent talks to a mic that hears none of it (headphones)', async () => {
    const s = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }));
    // The greeting (2.5 s of beeps) plays to a mic of digital silence, then a reply: together
    // longer than NO_ECHO_HEARD_MS.
    await waitFor(() => s.getSnapshot().agentState === 'speaking', { what: 'the greeting' });
    expect(s.getSnapshot().echoGuard.active).toBe(true);
    await waitFor(() => s.getSnapshot().agentState === 'listening', {
      what: 'the greeting to end',
      timeoutMs: 10_000,
    });
    expect(s.getSnapshot().echo.unheard).toBeUndefined();
    s.actions.sendText('tell me about the weather tomorrow and the day after');
    await waitFor(() => s.getSnapshot().echo.unheard === true, {
      what: 'the mic-hears-no-agent notice',
      timeoutMs: 10_000,
    });
    const notices = s
      .getSnapshot()
      .events.filter((e) => e.message.includes('the mic does not hear the agent'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'info' });
    expect(notices[0]?.message).toContain('you can talk over it');
    // The agent still talks, and the mic is no longer closed for it.
    await waitFor(
      () => {
        const snap = s.getSnapshot();
        return snap.agentState === 'speaking' && !snap.echoGuard.active;
      },
      { what: 'the mic open while the agent talks' },
    );
  }, 30_000);

  it('tells the canceller when the output ran dry mid-stream; other modes are not told', async () => {
    const echo = await openEchoPath('cancel', MIC, { input: RATE, output: RATE });
    const gaps: number[] = [];
    echo.onOutputGap = (ms) => gaps.push(ms);
    await call(echo);
    player?.onRanDry?.(45);
    expect(gaps).toEqual([45]);
    await store?.actions.hangUp();
    await agent?.close();
    await call(await openEchoPath('off', MIC, { input: RATE, output: RATE }));
    expect(player?.onRanDry).toBeUndefined();
  }, 20_000);

  it('tells the canceller whether the output is kept running between replies', async () => {
    // As the app does while cancelling (call-parts.ts): the filter then stays trusted across
    // the agent's pauses (test/echo/between-replies.test.ts).
    for (const keepRunning of [true, false]) {
      const echo = await openEchoPath('cancel', MIC, { input: RATE, output: RATE });
      const told: boolean[] = [];
      echo.setOutputKeptRunning = (kept) => told.push(kept);
      await call(echo, new SilenceSource(RATE), keepRunning);
      expect(told).toEqual([keepRunning]);
      await store?.actions.hangUp();
      await agent?.close();
    }
  }, 20_000);

  it('falls back to the guard, with the reason, as a warning', async () => {
    process.env.OMNIA_VOICE_DISABLE_SPEEXDSP = '1';
    const s = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }));
    const snap = s.getSnapshot();
    expect(snap.echo).toEqual({
      mode: 'guard',
      reason: 'speexdsp disabled by OMNIA_VOICE_DISABLE_SPEEXDSP',
    });
    expect(snap.echoGuard.enabled).toBe(true);
    expect(snap.events.find((e) => e.message.startsWith('echo:'))).toMatchObject({
      kind: 'warning',
      message:
        'echo: guard instead of cancellation: speexdsp disabled by OMNIA_VOICE_DISABLE_SPEEXDSP',
    });
  }, 20_000);

  it('says it is off, not cancelling, when the mic could not start (sox missing)', async () => {
    const noSox = new MicSource(RATE, { env: { ...process.env, PATH: '/nonexistent' } });
    const s = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }), noSox);
    const snap = s.getSnapshot();
    expect(snap.micLost).toBe(true);
    expect(snap.echo).toEqual({ mode: 'off', reason: 'no microphone' });
    const said = snap.events.filter((e) => e.message.startsWith('echo:')).map((e) => e.message);
    expect(said).toEqual(['echo: off (no microphone)']);
    expect(formatLevels(snap)).toContain('· echo off');
  }, 20_000);

  it('turns off, and says so, when the mic fails mid-call or the output does', async () => {
    // A capture device sox cannot open: sox starts, then fails.
    const bogus = new MicSource(RATE, { device: 'omnia-no-such-pcm' });
    const s = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }), bogus);
    await waitFor(() => s.getSnapshot().micLost === true, { what: 'the mic to fail' });
    expect(s.getSnapshot().echo).toEqual({ mode: 'off', reason: 'no microphone' });
    expect(s.getSnapshot().events.at(-1)?.message).not.toMatch(/^echo: cancelling/);
    expect(s.getSnapshot().events.some((e) => e.message === 'echo: off (no microphone)')).toBe(
      true,
    );
    await s.actions.hangUp();
    await agent?.close();

    // The output dies mid-call (the speaker's child killed): nothing plays, nothing can echo.
    const t = await call(await openEchoPath('cancel', MIC, { input: RATE, output: RATE }));
    expect(t.getSnapshot().echo.mode).toBe('cancel');
    await waitFor(() => t.getSnapshot().agentState === 'speaking', { what: 'the greeting' });
    sink?.fail('speaker output stopped: killed by SIGKILL');
    const snap = t.getSnapshot();
    expect(snap.echo).toEqual({ mode: 'off', reason: 'no audio output' });
    expect(snap.echoGuard).toEqual({ enabled: false, active: false });
    expect(snap.events.at(-1)?.message).toBe('echo: off (no audio output)');
    expect(formatLevels(snap)).toContain('· echo off');
    // And the agent's meter shows what is heard: nothing.
    await new Promise((r) => setTimeout(r, 400));
    expect(t.getSnapshot().outputLost).toBe(true);
    expect(t.getSnapshot().agentLevel.peakHoldDb).toBeLessThan(-90);
  }, 30_000);

  it("plain mode's level line calls the canceller's hold what it is, not the guard", () => {
    const held = blankSnapshot({ echoGuard: { enabled: false, active: true } });
    expect(formatLevels(held)).toContain('[mic held: learning echo]');
    const guarded = blankSnapshot({ echoGuard: { enabled: true, active: true } });
    expect(formatLevels(guarded)).toContain('[echo guard]');
  });

  it('is off without a loudspeaker, and says why', async () => {
    const path = await openEchoPath(
      'cancel',
      { inputKind: 'mic', loudspeaker: false, outputNote: 'the output is a WAV file' },
      { input: RATE, output: RATE },
    );
    expect(path.mode).toBe('off');
    expect(path.description).toBe('echo: off (the output is a WAV file)');
  });
});

describe('plain --verbose level line', () => {
  it('shows the echo mode and, while the agent is audible, the ERLE', () => {
    expect(formatLevels(snapshotWith({ echo: { mode: 'cancel', erleDb: 27 } }))).toContain(
      ' · echo cancel, ERLE 27 dB',
    );
    expect(formatLevels(snapshotWith({ echo: { mode: 'cancel' } }))).toMatch(/ · echo cancel$/);
    expect(formatLevels(snapshotWith({ echo: { mode: 'guard', reason: 'x' } }))).toMatch(
      / · echo guard$/,
    );
  });
});
