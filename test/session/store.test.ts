import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createCall } from '../../source/api/create-call.js';
import { NoEcho } from '../../source/audio/echo/path.js';
import { CUSHION_LEAD_MS } from '../../source/audio/player.js';
import type { AudioSource } from '../../source/audio/types.js';
import { startLocalAgent } from '../../source/local-agent/index.js';
import type { SessionStore } from '../../source/session/store.js';
import { waitFor } from '../helpers/cli.js';
import { tone } from '../helpers/signal.js';
import {
  type Cleanups,
  FRAME_BYTES,
  localCall as localCallFor,
  makeStore as makeStoreFor,
  pacedSource,
  RATE,
  silentSource,
  ToneSource,
} from './helpers.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const makeStore = (
  url: string,
  source: AudioSource = new ToneSource(),
  outputKind = 'test',
  ptt = false,
) => makeStoreFor(url, cleanups, { source, outputKind, extra: { ptt } });

async function storeFor(websocketUrl: string, source?: AudioSource): Promise<SessionStore> {
  const { store } = await makeStore(websocketUrl, source);
  await store.start();
  return store;
}

const localCall = () => localCallFor(cleanups);

describe('SessionStore against the local agent', () => {
  it('says when the agent audio stopped because the app was busy; held playback waits instead', async () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // the event loop does not turn
      }
    };
    const gapEvent = (store: SessionStore) =>
      store
        .getSnapshot()
        .events.find((e) => /a \d+ ms gap in the agent.s audio as heard/.test(e.message));
    // A quiet user: a talking one would barge in on the greeting.
    const quiet: AudioSource = {
      description: 'quiet',
      sampleRate: RATE,
      start: async () => {},
      stop: async () => {},
    };
    const playerOf = async (url: string) => makeStore(url, quiet);

    // The greeting plays, and the app is held up longer than what the output holds (the
    // cushion of the greeting queued ahead).
    const first = await playerOf((await localCall()).url);
    await first.store.start();
    await waitFor(() => first.player.playing && first.player.unplayedMs > CUSHION_LEAD_MS + 300, {
      what: 'the greeting to play, sent ahead',
    });
    // The pump tops the device up to the cushion; then a hold-up 100 ms longer. (A silence
    // longer than a pause between replies, 200 ms, is taken for one.)
    await new Promise((resolve) => setTimeout(resolve, 60));
    busy(CUSHION_LEAD_MS + 100);
    const event = await waitFor(() => gapEvent(first.store), {
      what: `the gap event (${first.store
        .getSnapshot()
        .events.map((e) => e.message)
        .join(' | ')})`,
      timeoutMs: 3000,
    });
    expect(event.kind).toBe('info');
    expect(event.message).toMatch(/this app was too busy to play it in time/);

    // With --output none nothing is heard: the same hold-up is no news.
    const silent = await makeStore((await localCall()).url, quiet, 'none');
    await silent.store.start();
    await waitFor(() => silent.player.playing, { what: 'the greeting to "play"' });
    busy(150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gapEvent(silent.store)).toBeUndefined();

    // Held (as while the UI loads): the greeting waits, then plays whole.
    const second = await playerOf((await localCall()).url);
    const release = second.store.holdPlayback();
    await second.store.start();
    await waitFor(() => second.player.queuedMs > 200, { what: 'the greeting to be queued' });
    expect(second.player.playing).toBe(false);
    busy(150);
    release();
    await waitFor(() => second.player.playing, {
      what: `the held greeting to play (${second.player.queuedMs} ms queued)`,
      timeoutMs: 3000,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gapEvent(second.store)).toBeUndefined();
  });

  it('sends digital silence while muted and the mic again after unmuting', async () => {
    const { agent, url } = await localCall();
    const store = await storeFor(url);
    const record = () => agent.calls[0]!;
    await waitFor(() => record().bytesReceived > FRAME_BYTES * 10, { what: 'mic audio' });

    store.actions.mute(true);
    expect(store.getSnapshot().muted).toBe(true);
    const mutedFrom = record().bytesReceived;
    await waitFor(() => record().bytesReceived > mutedFrom + FRAME_BYTES * 25, {
      what: 'muted audio',
    });
    // Audio keeps flowing (the server expects a continuous stream) but it is all zeros.
    const tail = record().audio.subarray(-FRAME_BYTES * 20);
    expect(tail.every((b) => b === 0)).toBe(true);

    store.actions.mute(false);
    const liveFrom = record().bytesReceived;
    await waitFor(() => record().bytesReceived > liveFrom + FRAME_BYTES * 10, {
      what: 'live audio',
    });
    expect(
      record()
        .audio.subarray(-FRAME_BYTES * 5)
        .some((b) => b !== 0),
    ).toBe(true);
  });

  it('push-to-talk: only the held talk control opens the mic; unmuting does not, muting wins', async () => {
    const { agent, url } = await localCall();
    const { store } = await makeStore(url, new ToneSource(), 'test', true);
    await store.start();
    const record = () => agent.calls[0]!;
    /** Whether the next half second of audio at the server has the user's voice in it. */
    const heard = async (): Promise<boolean> => {
      const from = record().bytesReceived;
      await waitFor(() => record().bytesReceived > from + FRAME_BYTES * 25, { what: 'audio' });
      return record()
        .audio.subarray(-FRAME_BYTES * 10)
        .some((b) => b !== 0);
    };
    expect(store.getSnapshot()).toMatchObject({ muted: true, userMuted: false });
    expect(await heard()).toBe(false);
    // `m` (or serial UNMUTE) while the talk control is up: still closed, and it says why.
    store.actions.mute(true);
    store.actions.mute(false);
    expect(store.getSnapshot().muted).toBe(true);
    expect(store.getSnapshot().events.at(-1)?.message).toBe(
      'mute off: the mic opens while the talk control is held',
    );
    expect(await heard()).toBe(false);
    store.actions.setPtt(true);
    expect(store.getSnapshot().muted).toBe(false);
    expect(await heard()).toBe(true);
    // Muting while talking closes the mic, even with the control still held.
    store.actions.mute(true);
    expect(store.getSnapshot().muted).toBe(true);
    expect(await heard()).toBe(false);
    store.actions.setPtt(false);
    store.actions.setPtt(true);
    expect(await heard()).toBe(false);
    store.actions.mute(false);
    expect(await heard()).toBe(true);
    store.actions.setPtt(false);
    expect(await heard()).toBe(false);
  }, 30_000);

  it('the talk control opens nothing before the call is live, and changes nothing once it ended', async () => {
    const { url } = await localCall();
    const { store } = await makeStore(url, new ToneSource(), 'test', true);
    // Connecting: a press now would open the mic whenever the call came up.
    store.actions.setPtt(true);
    expect(store.getSnapshot()).toMatchObject({ phase: 'connecting', pttDown: false, muted: true });
    await store.start();
    store.actions.setPtt(true);
    expect(store.getSnapshot()).toMatchObject({ pttDown: true, muted: false });
    store.actions.setPtt(false);
    store.actions.setPtt(true);
    // Push-to-talk is said as such, not as the mute `m` sets.
    expect(
      store
        .getSnapshot()
        .events.map((e) => e.message)
        .filter((m) => /^(mic|push-to-talk)/.test(m)),
    ).toEqual(['push-to-talk: mic live', 'push-to-talk off: mic closed', 'push-to-talk: mic live']);
    await store.actions.hangUp();
    const events = store.getSnapshot().events.length;
    store.actions.setPtt(false);
    store.actions.mute(true);
    // The mute is kept for the call r makes; nothing is said of a mic the ended call has not.
    expect(store.getSnapshot()).toMatchObject({ pttDown: true, userMuted: true, muted: true });
    expect(store.getSnapshot().events).toHaveLength(events);
  });

  it('without --ptt the talk control opens a muted mic while held, and the mute is back after', async () => {
    const { url } = await localCall();
    const store = await storeFor(url);
    store.actions.mute(true);
    expect(store.getSnapshot()).toMatchObject({ muted: true, userMuted: true });
    store.actions.setPtt(true);
    expect(store.getSnapshot()).toMatchObject({ muted: false, userMuted: true });
    store.actions.setPtt(false);
    expect(store.getSnapshot()).toMatchObject({ muted: true, userMuted: true });
    // The events say which control did it: the talk control is not the user's mute.
    const said = store
      .getSnapshot()
      .events.map((e) => e.message)
      .filter((m) => /^(mic|talk)/.test(m));
    expect(said).toEqual(['mic muted', 'talk held: mic live', 'talk released: mic muted again']);
  });

  it('a spoken user turn starts when the mic heard the speech start, not when its words came', async () => {
    // The caller speaks first (`support`): 1 s of quiet, 1.5 s of voice, then quiet again.
    const { url } = await localCallFor(cleanups, 'support');
    const voice = tone(440, 20, RATE, 0.3);
    const quiet = Buffer.alloc(FRAME_BYTES);
    const utterance = pacedSource('one utterance', (n) => (n > 50 && n <= 125 ? voice : quiet));
    const store = await storeFor(url, utterance);
    const turn = await waitFor(
      () => store.getSnapshot().turns.find((t) => t.role === 'user' && t.final),
      { what: 'the user turn', timeoutMs: 10_000 },
    );
    expect(turn.text).toMatch(/^\(spoke 1\.\d s\)$/);
    // Its words came once the agent had heard it all; it began 1.5 s before that.
    expect(turn.endedAt! - turn.startedAt).toBeGreaterThanOrEqual(1_300);
  });

  it.each([
    ['--echo off', () => new NoEcho('turned off by --echo off'), true],
    ['the output is headphones', () => new NoEcho('the output is headphones: WH-1000XM4'), false],
  ])(
    'an agent that hears itself (%s, open speakers) is cut at once each time: said, and said again while it goes on, if it may',
    async (_what, echo, warned) => {
      const { url } = await localCall();
      // The loudspeaker heard by the mic: whatever the player plays comes back, loud.
      let player: { playing: boolean } | undefined;
      const loud = tone(300, 20, RATE, 0.4);
      const quiet = Buffer.alloc(FRAME_BYTES);
      const room = pacedSource('open speakers', () => (player?.playing ? loud : quiet));
      const made = await makeStoreFor(url, cleanups, { source: room, extra: { echo: echo() } });
      player = made.player;
      await made.store.start();
      await waitFor(() => made.store.getSnapshot().interruptions >= 9 || undefined, {
        what: 'the agent cut again and again',
        timeoutMs: 40_000,
      });
      const warnings = made.store
        .getSnapshot()
        .events.filter((e) => e.message.includes('may be hearing itself'));
      // At 3 cuts, and again at 8 while it goes on: the screen's warning lasts seconds.
      const said = (n: number) =>
        `the agent was cut off within a second of starting to speak ${n} times: it may be hearing itself through the loudspeaker (echo off); use headphones, or --echo cancel`;
      expect(warnings.map((e) => e.message).slice(0, 2)).toEqual(warned ? [said(3), said(8)] : []);
      if (warned) expect(made.store.getSnapshot().warning?.text).toContain('may be hearing itself');
    },
    60_000,
  );

  it('says how long a typed message is as a person counts characters', async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'live' || undefined, { what: 'live' });
    // A flag and an emoji with its tone are one character each (11 UTF-16 units here).
    store.actions.sendText('ok 👍🏽 🇯🇵');
    expect(store.getSnapshot().events.map((e) => e.message)).toContain('sent text (6 chars)');
  });

  it("a reply's latency is kept on that reply, and said in the events", async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'live' || undefined, { what: 'live' });
    store.actions.sendText('what can you do?');
    const reply = await waitFor(
      () => store.getSnapshot().turns.find((t) => t.role === 'agent' && t.latencyMs !== undefined),
      { what: 'a reply with its latency' },
    );
    const s = store.getSnapshot();
    // The reply to the typed message, not the greeting, and the figure the screen shows.
    const typed = s.turns.find((t) => t.typed);
    expect(typed).toBeDefined();
    expect(reply.ordinal).toBeGreaterThan(typed!.ordinal);
    expect(reply.latencyMs).toBe(s.responseLatencyMs);
    expect(s.events.map((e) => e.message)).toContain(
      `reply latency ${reply.latencyMs} ms (turn ${reply.ordinal})`,
    );
  });

  it('a typed message is pending until the server puts it in the transcript', async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'live' || undefined, { what: 'live' });
    store.actions.sendText('what can you do?');
    expect(store.getSnapshot().pendingTexts.map((p) => p.text)).toEqual(['what can you do?']);
    await waitFor(
      () => store.getSnapshot().turns.some((t) => t.typed && t.text === 'what can you do?'),
      { what: 'the typed turn' },
    );
    expect(store.getSnapshot().pendingTexts).toEqual([]);
  });

  it('answers client tool calls it does not have, so the call does not stall', async () => {
    const { agent, url } = await localCall();
    const store = await storeFor(url);
    store.actions.sendText('please run the client tool');
    const result = await waitFor(
      () =>
        agent.calls[0]?.clientMessages.find((m) => m.type === 'client_tool_result') as
          | Record<string, unknown>
          | undefined,
      { what: 'client_tool_result' },
    );
    expect(result.errorType).toBe('undefined');
    expect(store.getSnapshot().events.some((e) => e.kind === 'tool')).toBe(true);
    // The agent is told the reason the user's own line gives, in both failure fields.
    const reason = 'no --tools file given to answer it';
    expect(result).toMatchObject({ error: reason, errorMessage: reason });
    expect(store.getSnapshot().toolCalls?.[0]).toMatchObject({ status: 'error', error: reason });
    // The agent carries on and answers, with that reason.
    const answer = await waitFor(
      () =>
        store
          .getSnapshot()
          .turns.find((t) => t.role === 'agent' && t.final && t.text.includes('show_banner')),
      { what: 'the agent to say what the tool answered' },
    );
    expect(answer.text).toBe(`The client has no show_banner tool: ${reason}.`);
  });

  it('drops queued agent audio at once on a local interrupt and marks the turn', async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    // The greeting arrives faster than real time, so seconds of it are queued.
    await waitFor(() => store.getSnapshot().queuedMs > 500, { what: 'queued greeting' });
    store.actions.interrupt();
    const s = store.getSnapshot();
    expect(s.interruptions).toBe(1);
    expect(s.turns.some((t) => t.role === 'agent' && t.interrupted)).toBe(true);
    await waitFor(() => store.getSnapshot().queuedMs < 100, { what: 'empty queue' });
    // Pressed again while the server still streams the cut turn: not a second interruption.
    expect(store.getSnapshot().agentState).toBe('speaking');
    store.actions.interrupt();
    expect(store.getSnapshot().interruptions).toBe(1);
    expect(store.getSnapshot().events.at(-1)?.message).toBe(
      'nothing more to interrupt: the rest of this reply is not played',
    );
  });

  it('a message typed after i, which makes the server clear its playback, is one interruption, not two', async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    await waitFor(() => store.getSnapshot().queuedMs > 500, { what: 'queued greeting' });
    store.actions.interrupt();
    expect(store.getSnapshot().interruptions).toBe(1);
    // Typed while the server still streams the cut reply: sent with urgency immediate, and the
    // server answers with playback_clear_buffer before it answers the message.
    store.actions.sendText('right now please');
    await waitFor(
      () => {
        const turns = store.getSnapshot().turns;
        const typed = turns.findIndex((t) => t.typed && t.text === 'right now please');
        return typed >= 0 && turns.slice(typed + 1).some((t) => t.role === 'agent')
          ? true
          : undefined;
      },
      { what: 'the answer to the typed message' },
    );
    const s = store.getSnapshot();
    expect(s.interruptions).toBe(1);
    expect(s.turns.filter((t) => t.role === 'agent' && t.interrupted)).toHaveLength(1);
    expect(s.events.some((e) => e.message.startsWith('barge-in'))).toBe(false);
    expect(
      s.events.some((e) => e.message.startsWith('the server stopped the reply you interrupted')),
    ).toBe(true);
  });

  it("the interrupted state's clock starts at the interrupt, not when the agent began speaking", async () => {
    // Audio sent in real time: the agent speaks for the greeting's length.
    const agent = await startLocalAgent({ voice: 'tone', sendSpeed: 1 });
    cleanups.push(() => agent.close());
    const call = await createCall({
      apiBase: agent.baseUrl,
      agentId: 'demo',
      inputSampleRate: RATE,
      outputSampleRate: RATE,
    });
    const store = await storeFor(call.websocketUrl, silentSource());
    await waitFor(
      () => {
        const s = store.getSnapshot();
        return s.agentState === 'speaking' && Date.now() - s.agentStateSince > 1_000;
      },
      { what: 'the agent speaking for a second' },
    );
    const at = Date.now();
    store.actions.interrupt();
    const s = store.getSnapshot();
    expect(s).toMatchObject({ agentState: 'speaking', agentCutOff: true });
    // Read as "interrupted 1s" otherwise: a second before the key was pressed.
    expect(s.agentStateSince).toBeGreaterThanOrEqual(at);
  });

  it('once the call is over, its meters and queue read silence, not their last reading', async () => {
    const { url } = await localCall();
    const store = await storeFor(url, silentSource());
    // The greeting plays and queues seconds of audio.
    await waitFor(
      () => {
        const s = store.getSnapshot();
        return s.agentLevel.peakHoldDb > -40 && s.queuedMs > 500;
      },
      { what: 'a playing, queued greeting' },
    );
    await store.actions.hangUp();
    const s = store.getSnapshot();
    expect(s.phase).toBe('ended');
    // The greeting's text came whole, but most of it was never heard: it was cut off.
    const greeting = s.turns.find((t) => t.role === 'agent');
    expect(greeting).toMatchObject({ final: true, interrupted: true });
    expect(s.interruptions).toBe(0);
    expect(s.events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^hung up with \d+ ms of the agent's reply not played$/),
    );
    expect(s.queuedMs).toBe(0);
    expect(s.micLevel.peakHoldDb).toBeLessThan(-90);
    expect(s.agentLevel.peakHoldDb).toBeLessThan(-90);
    // A message after the end is not claimed as sent.
    store.actions.sendText('too late');
    const last = store.getSnapshot().events.at(-1);
    expect(last).toMatchObject({
      kind: 'warning',
      message: 'message not sent (8 chars): the call is not connected',
    });
    // Nor does an interrupt after the end change the finished call (it counted one, and
    // reported the audio left behind as dropped).
    const before = store.getSnapshot();
    store.actions.interrupt();
    const after = store.getSnapshot();
    expect(after.interruptions).toBe(0);
    expect(after.turns).toEqual(before.turns);
    expect(after.events.at(-1)).toMatchObject({
      kind: 'info',
      message: 'nothing to interrupt: the call is over',
    });
  });

  it('after a local interrupt the rest of the turn is not played, and a typed message cuts the agent off', async () => {
    const { agent, url } = await localCall();
    const store = await storeFor(url, silentSource());
    await waitFor(() => store.getSnapshot().queuedMs > 500, { what: 'queued greeting' });
    expect(store.getSnapshot().agentState).toBe('speaking');
    store.actions.interrupt();
    // The server still says "speaking"; the screen says the turn was cut off here.
    expect(store.getSnapshot().agentCutOff).toBe(true);
    store.actions.sendText('stop, I have a question');
    const message = await waitFor(
      () => agent.calls[0]?.clientMessages.find((m) => m.type === 'user_text_message'),
      { what: 'the typed message at the server' },
    );
    expect(message).toMatchObject({ text: 'stop, I have a question', urgency: 'immediate' });
    expect(store.getSnapshot().events.some((e) => e.message.includes('immediate'))).toBe(true);
    // The agent answers at once; its answer plays.
    await waitFor(
      () =>
        store
          .getSnapshot()
          .turns.some((t) => t.role === 'agent' && t.text.includes('stop, I have a question')) ||
        undefined,
      { what: "the agent's answer" },
    );
    await waitFor(() => !store.getSnapshot().agentCutOff || undefined, { what: 'cut-off over' });
    // Without an interrupt, a typed message waits its turn (the protocol's default).
    store.actions.sendText('and another');
    const second = await waitFor(
      () =>
        agent.calls[0]?.clientMessages.find(
          (m) => m.type === 'user_text_message' && m.text === 'and another',
        ),
      { what: 'the second message' },
    );
    expect(second).not.toHaveProperty('urgency');
  });

  it('when the mic fails mid-call: says so, marks the mic lost, and keeps sending silence', async () => {
    const { agent, url } = await localCall();
    let fail: (message: string) => void = () => undefined;
    const failing: AudioSource = {
      description: 'a mic that dies',
      sampleRate: RATE,
      async start(_onFrame, onError) {
        fail = onError;
      },
      async stop() {},
    };
    const store = await storeFor(url, failing);
    expect(store.getSnapshot().micLost).not.toBe(true);
    fail('microphone capture stopped: sox was killed (SIGKILL)');
    expect(store.getSnapshot().micLost).toBe(true);
    expect(store.getSnapshot().events.some((e) => /sox was killed/.test(e.message))).toBe(true);
    const before = agent.calls[0]?.bytesReceived ?? 0;
    await waitFor(() => (agent.calls[0]?.bytesReceived ?? 0) > before + FRAME_BYTES * 5, {
      what: 'silence sent after the mic failed',
    });
  });

  it('with no audio output, a hang-up over a queued reply cuts it as with one: marked, said', async () => {
    const { url } = await localCall();
    const { store } = await makeStore(url, silentSource(), 'none');
    await store.start();
    await waitFor(() => store.getSnapshot().queuedMs > 500, { what: 'a queued greeting' });
    await store.actions.hangUp();
    const s = store.getSnapshot();
    // The reply plays to nothing in real time: what was not reached when the call ended is cut.
    expect(s.turns.filter((t) => t.role === 'agent' && t.interrupted)).toHaveLength(1);
    expect(s.events.some((e) => e.message.startsWith('hung up with'))).toBe(true);
  });

  it('leaving while the agent’s last words play ends the call as the agent’s, cutting them', async () => {
    // `q` (or Ctrl+C), and a second Ctrl+C (the call ends at once).
    for (const leave of ['hangUp', 'endNow'] as const) {
      // The caller speaks first: no greeting.
      const { url } = await localCallFor(cleanups, 'support');
      const { store, player } = await makeStoreFor(url, cleanups, { source: silentSource() });
      // Held, the farewell is still to play when the agent, by its own clock, has said it.
      const release = store.holdPlayback();
      cleanups.push(release);
      await store.start();
      await waitFor(() => store.getSnapshot().phase === 'live', { what: 'live' });
      store.actions.sendText('goodbye');
      await waitFor(() => store.getSnapshot().phase === 'ending', {
        what: 'the agent to hang up, its last words still to play',
      });
      expect(player.queuedMs).toBeGreaterThan(500);
      if (leave === 'hangUp') await store.actions.hangUp();
      else store.endNow();
      const ended = store.getSnapshot();
      expect(ended.endReason, leave).toBe('the agent hung up (agent_hangup)');
      const messages = ended.events.map((e) => e.message);
      expect(messages).toContain('the agent hung up (agent_hangup)');
      // The farewell is cut; by `q`, which says so, or by the call's end, as at a forced quit.
      const cut =
        leave === 'hangUp'
          ? /^left the call with \d+ ms of the agent's reply not played$/
          : /^the call ended with \d+ ms of the agent's reply not played$/;
      expect(
        messages.filter((m) => cut.test(m)),
        messages.join(' | '),
      ).toHaveLength(1);
      expect(ended.turns.at(-1)).toMatchObject({ role: 'agent', interrupted: true });
    }
  }, 20_000);

  it('redacts a key that a long line would cut in two, before cutting it', async () => {
    const { url } = await localCall();
    const { store } = await makeStore(url);
    // The key (sk_secret_key_123456) starts 5 characters before the 500-character cut.
    store.reportWarning(`${'x'.repeat(495)}sk_secret_key_123456 and more`);
    const line = store.getSnapshot().events.at(-1)?.message ?? '';
    expect(line.startsWith('x'.repeat(495))).toBe(true);
    expect(line).not.toMatch(/sk_s/);
    expect(line.length).toBeLessThanOrEqual(500);
  });

  it('ends with exit code 0 when the user hangs up and the server saw hang_up', async () => {
    const { agent, url } = await localCall();
    const store = await storeFor(url);
    await store.actions.hangUp('test over');
    const s = store.getSnapshot();
    expect(s.phase).toBe('ended');
    expect(s.exitCode).toBe(0);
    expect(s.endReason).toBe('test over');
    await waitFor(() => agent.calls[0]?.hungUp, { what: 'hang_up at the server' });
  });
});

describe('SessionStore against a hostile server', () => {
  it('survives junk, unknown types, missing fields and odd audio frames', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.send('{"type": "transcript", "role": "agent", "delta": "trunc');
      ws.send('not json at all');
      ws.send(JSON.stringify({ type: 'call_event', whatever: 1 }));
      ws.send(JSON.stringify({ type: 'state', state: 'dancing' }));
      ws.send(JSON.stringify({ type: 'transcript', role: 'agent' }));
      ws.send(JSON.stringify({ type: 'debug', message: '\u001b[2J\u001b]0;pwned\u0007evil' }));
      ws.send(Buffer.from([1]));
      ws.send(Buffer.from([2, 3, 4]));
      ws.send(Buffer.alloc(0));
      ws.send(
        JSON.stringify({
          type: 'transcript',
          role: 'agent',
          text: 'still \u001b[31mhere',
          final: true,
          ordinal: 0,
        }),
      );
      ws.send(JSON.stringify({ type: 'error', message: 'sk_secret_key_123456 leaked?' }));
    });
    const port = (wss.address() as AddressInfo).port;
    const store = await storeFor(`ws://127.0.0.1:${port}/`, silentSource());
    await waitFor(() => store.getSnapshot().turns.length === 1, { what: 'the valid turn' });
    const s = store.getSnapshot();
    expect(s.phase).toBe('live');
    expect(s.turns[0]?.text).toBe('still here');
    const kinds = s.events.map((e) => e.kind);
    expect(kinds).toContain('invalid');
    expect(kinds).toContain('unknown');
    const all = JSON.stringify(s);
    expect(all).not.toContain('\u001b');
    expect(all).not.toContain('sk_secret_key_123456');
  });

  it('a hangup in answer to our hang_up leaves the call ended by the user', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary || (JSON.parse(String(data)) as { type: string }).type !== 'hang_up') return;
        ws.send(JSON.stringify({ type: 'hangup', reason: 'user_hangup' }));
        ws.close(1000);
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const store = await storeFor(`ws://127.0.0.1:${port}/`, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'live', { what: 'live' });
    await store.actions.hangUp();
    const s = store.getSnapshot();
    expect(s.events.map((e) => e.message)).toContain('the caller hung up (user_hangup)');
    expect(s.endReason).toBe('you hung up');
  });

  it('a hangup for a reason of the server (max_duration) is said as what ended the call, not the agent', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'hangup', reason: 'max_duration' }));
      ws.close(1000);
    });
    const port = (wss.address() as AddressInfo).port;
    const store = await storeFor(`ws://127.0.0.1:${port}/`, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'ended', { what: 'ended' });
    expect(store.getSnapshot().endReason).toBe('the maximum duration was reached (max_duration)');
  });

  it('a hangup whose reason is only "hangup" is still the agent hanging up', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'hangup', reason: 'hangup' }));
      ws.close(1000);
    });
    const port = (wss.address() as AddressInfo).port;
    const store = await storeFor(`ws://127.0.0.1:${port}/`, silentSource());
    await waitFor(() => store.getSnapshot().phase === 'ended', { what: 'ended' });
    expect(store.getSnapshot().endReason).toBe('the agent hung up (hangup)');
  });

  it("settles a typed message by the user turn with its text, whatever the turn's medium says", async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return; // the mic's audio
        const msg = JSON.parse(String(data)) as { type: string; text?: string };
        if (msg.type !== 'user_text_message') return;
        // Echoed as a user turn with no medium (the protocol's default is voice), and a voice
        // turn with other words first, which settles nothing.
        ws.send(
          JSON.stringify({ type: 'transcript', role: 'user', ordinal: 1, text: 'um', final: true }),
        );
        ws.send(
          JSON.stringify({
            type: 'transcript',
            role: 'user',
            ordinal: 2,
            text: msg.text,
            final: true,
          }),
        );
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const store = await storeFor(`ws://127.0.0.1:${port}/`, silentSource());
    store.actions.sendText('is this on?');
    expect(store.getSnapshot().pendingTexts).toHaveLength(1);
    await waitFor(() => store.getSnapshot().turns.length === 2 || undefined, { what: 'the echo' });
    expect(store.getSnapshot().pendingTexts).toEqual([]);
  });
});
