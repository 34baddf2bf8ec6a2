import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { AudioSource } from '../../source/audio/types.js';
import { ResponseLatency } from '../../source/session/response-latency.js';
import { waitFor } from '../helpers/cli.js';
import { tone } from '../helpers/signal.js';
import { type Cleanups, FRAME_BYTES, localCall, makeStore, RATE, silentSource } from './helpers.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A mic that hears a loud tone for `talkMs` from its start, then silence. */
function talkThenQuiet(talkMs: number): AudioSource {
  let timer: NodeJS.Timeout | undefined;
  return {
    description: 'talk, then quiet',
    sampleRate: RATE,
    async start(onFrame) {
      const loud = tone(440, 20, RATE, 0.3);
      const quiet = Buffer.alloc(FRAME_BYTES);
      const started = Date.now();
      timer = setInterval(() => onFrame(Date.now() - started < talkMs ? loud : quiet), 20);
    },
    async stop() {
      clearInterval(timer);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('response latency in the store, against a scripted server', () => {
  it('counts the reply to the user, not a greeting begun while the user talked, nor its continuation', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    let replyAt = 0;
    const script = async (ws: WebSocket): Promise<void> => {
      const json = (m: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
      const audio = (ms: number) =>
        ws.readyState === WebSocket.OPEN && ws.send(tone(300, ms, RATE));
      const agent = (ordinal: number, more: object) =>
        json({ type: 'transcript', role: 'agent', ordinal, ...more });
      // The greeting starts while the user is already talking, …
      await sleep(150);
      json({ type: 'state', state: 'speaking' });
      agent(0, { delta: 'Hello, ' });
      audio(300);
      // … runs dry and goes on (a late network), the user still talking over it.
      await sleep(700);
      agent(0, { delta: 'how can I help?' });
      audio(200);
      await sleep(400);
      agent(0, { text: 'Hello, how can I help?', final: true });
      json({ type: 'state', state: 'listening' });
      // The user stops at 1.6 s; the server's end of turn, then the reply.
      await sleep(650);
      json({ type: 'transcript', role: 'user', ordinal: 1, text: 'A table for two.', final: true });
      json({ type: 'state', state: 'thinking' });
      await sleep(300);
      json({ type: 'state', state: 'speaking' });
      agent(2, { delta: 'Sure.' });
      replyAt = Date.now();
      audio(400);
    };
    wss.on('connection', (ws) => void script(ws));
    const port = (wss.address() as AddressInfo).port;
    const { store } = await makeStore(`ws://127.0.0.1:${port}/`, cleanups, {
      source: talkThenQuiet(1_600),
    });
    await store.start();
    await waitFor(() => replyAt > 0 && Date.now() - replyAt > 600, { what: 'the reply played' });
    const latencies = store.getSnapshot().responseLatenciesMs;
    expect(latencies).toHaveLength(1);
    // From the last loud frame (1.6 s) to the reply heard (about 2.35 s plus the player's lead).
    expect(latencies[0]).toBeGreaterThan(400);
    expect(latencies[0]).toBeLessThan(1_500);
  }, 15_000);
});

describe('response latency of a text answer', () => {
  it('is taken when the answer’s first words come: it has no audio to be heard', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    let answeredAt = 0;
    wss.on('connection', (ws) => {
      const json = (m: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
      ws.on('message', (data, binary) => {
        if (binary) return;
        const msg = JSON.parse(String(data)) as { type: string; text?: string };
        if (msg.type !== 'user_text_message') return;
        json({
          type: 'transcript',
          role: 'user',
          medium: 'text',
          ordinal: 1,
          text: msg.text,
          final: true,
        });
        setTimeout(() => {
          answeredAt = Date.now();
          json({ type: 'transcript', role: 'agent', medium: 'text', ordinal: 2, delta: 'Sure, ' });
          json({
            type: 'transcript',
            role: 'agent',
            medium: 'text',
            ordinal: 2,
            text: 'Sure, done.',
            final: true,
          });
        }, 300);
      });
    });
    const port = (wss.address() as AddressInfo).port;
    // A quiet mic: the typed message is the user's last word.
    const { store } = await makeStore(`ws://127.0.0.1:${port}/`, cleanups, {
      source: silentSource(),
    });
    await store.start();
    await waitFor(() => store.getSnapshot().phase === 'live', { what: 'live' });
    store.actions.sendText('a table for two, in writing please');
    await waitFor(() => answeredAt > 0 && store.getSnapshot().turns.length >= 2, {
      what: 'the text answer',
    });
    const latencies = store.getSnapshot().responseLatenciesMs;
    expect(latencies).toHaveLength(1);
    expect(latencies[0]).toBeGreaterThanOrEqual(290);
    expect(latencies[0]).toBeLessThan(1_000);
  }, 15_000);
});

describe('response latency against the local agent', () => {
  it('a reply queued right behind the greeting (held, as while the UI loads) is measured from the greeting’s end', async () => {
    const { url } = await localCall(cleanups);
    const { store, player } = await makeStore(url, cleanups, { source: silentSource() });
    // Held as the full-screen UI holds it while it loads: the greeting plays 1.5 s behind the
    // agent, which answers 300 ms after its own end of it. The answer's audio comes while the
    // greeting still plays, and follows it with no silence between.
    const release = store.holdPlayback();
    cleanups.push(release);
    await store.start();
    await waitFor(() => player.queuedMs > 0, { what: 'the greeting' });
    await sleep(1_500);
    release();
    let queuedAtAnswer: number | undefined;
    const off = store.subscribe(() => {
      if (queuedAtAnswer === undefined && store.getSnapshot().turns.some((t) => t.ordinal === 2))
        queuedAtAnswer = player.queuedMs;
    });
    cleanups.push(off);
    // Typed during the greeting: the agent says goodbye after it, and hangs up.
    store.actions.sendText('goodbye');
    const ended = await store.whenEnded();
    expect(queuedAtAnswer, 'the greeting still queued when the answer came').toBeGreaterThan(300);
    expect(ended.endReason).toBe('the agent hung up (agent_hangup)');
    // The answer follows the greeting as heard: the agent kept nobody waiting.
    expect(ended.responseLatenciesMs).toHaveLength(1);
    expect(ended.responseLatenciesMs[0]).toBeLessThan(100);
  }, 30_000);

  it('a hang-up while the agent thinks leaves no agent turn to be taken for the answer', async () => {
    // The caller speaks first: no greeting.
    const { url } = await localCall(cleanups, 'support');
    const { store } = await makeStore(url, cleanups, { source: silentSource() });
    await store.start();
    await waitFor(() => store.getSnapshot().phase === 'live', { what: 'live' });
    store.actions.sendText('hello');
    await waitFor(() => store.getSnapshot().turns.some((t) => t.role === 'user'), {
      what: 'the typed turn',
    });
    // Hung up while the agent thinks. A hang_up without a farewell ends the call: the agent
    // says nothing more (its answer is dropped), so no turn of its is taken for the reply.
    await store.actions.hangUp();
    const ended = store.getSnapshot();
    expect(ended.turns.filter((t) => t.role === 'agent').map((t) => t.text)).toEqual([]);
    expect(ended.responseLatenciesMs).toEqual([]);
  }, 15_000);
});

describe('ResponseLatency', () => {
  it('measures the first audio of the agent turn after the user turn, from the last speech', () => {
    const r = new ResponseLatency();
    r.userSpoke(1_000);
    expect(r.playbackStarted(1_020, { ordinal: 0 })).toBeUndefined(); // greeting, user talking
    r.userSpoke(1_040);
    r.userSpoke(2_000);
    expect(r.playbackStarted(2_010, { ordinal: 0 })).toBeUndefined(); // its continuation
    expect(r.agentTurn(0)).toBeUndefined();
    expect(r.userTurn(1)).toBeUndefined();
    expect(r.agentTurn(2)).toBeUndefined();
    expect(r.playbackStarted(2_900, { ordinal: 2 })).toBe(900);
    // The reply runs dry and starts again: a continuation, not a second response.
    expect(r.playbackStarted(3_500, { ordinal: 2 })).toBeUndefined();
  });

  it('a message sent while the agent still talks counts from the end of its audio', () => {
    const r = new ResponseLatency();
    r.agentTurn(0);
    r.playbackStarted(500, { ordinal: 0 }); // the greeting, 5 s of it
    r.userSpoke(1_000); // typed during it
    r.userTurn(1);
    r.playbackStopped(5_500); // the greeting heard to its end
    r.agentTurn(2);
    expect(r.playbackStarted(5_800, { ordinal: 2 })).toBe(300);
    // Audio that ended before the user spoke changes nothing: from the speech.
    r.userSpoke(7_000);
    r.userTurn(3);
    r.agentTurn(4);
    expect(r.playbackStarted(7_900, { ordinal: 4 })).toBe(900);
  });

  it('audio before its transcript: settled when the new turn is named', () => {
    const r = new ResponseLatency();
    expect(r.userTurn(1)).toBeUndefined();
    r.userSpoke(1_000);
    expect(r.playbackStarted(1_700, undefined)).toBeUndefined();
    expect(r.playbackStarted(1_800, undefined)).toBeUndefined(); // the same unnamed turn
    expect(r.agentTurn(2)).toBe(700);
  });

  it('a user turn that comes late still settles the reply after it', () => {
    const r = new ResponseLatency();
    r.userSpoke(1_000);
    expect(r.agentTurn(3)).toBeUndefined();
    expect(r.playbackStarted(1_600, { ordinal: 3 })).toBeUndefined();
    expect(r.userTurn(2)).toBe(600);
    expect(r.userTurn(2)).toBeUndefined();
  });

  it('audio of an unnamed turn that began before the user stopped is not the answer', () => {
    const r = new ResponseLatency();
    r.userSpoke(1_000);
    expect(r.playbackStarted(1_050, undefined)).toBeUndefined(); // tail or greeting
    r.userSpoke(1_500);
    expect(r.agentTurn(0)).toBeUndefined();
    expect(r.userTurn(1)).toBeUndefined();
    expect(r.agentTurn(2)).toBeUndefined();
    expect(r.playbackStarted(2_400, { ordinal: 2 })).toBe(900);
  });

  it('agent turns with no user turn between them, or no speech since, are not responses', () => {
    const r = new ResponseLatency();
    r.userSpoke(1_000);
    r.userTurn(1);
    r.agentTurn(2);
    expect(r.playbackStarted(1_800, { ordinal: 2 })).toBe(800);
    r.agentTurn(3); // the agent goes on with another turn of its own
    expect(r.playbackStarted(5_000, { ordinal: 3 })).toBeUndefined();
    // A user turn the mic did not hear (muted, guarded): no speech to measure from.
    r.userTurn(4);
    r.agentTurn(5);
    expect(r.playbackStarted(6_000, { ordinal: 5 })).toBeUndefined();
    // A typed message counts as speech.
    r.userSpoke(7_000);
    r.userTurn(6);
    r.agentTurn(7);
    expect(r.playbackStarted(7_450, { ordinal: 7 })).toBe(450);
  });
});
