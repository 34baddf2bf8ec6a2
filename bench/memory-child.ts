/**
 * Child of bench/memory.ts: replays a long call through a SessionStore and reports RSS samples
 * and the memory held after a full collection, every 200 ms (RSS first, so it is the call's
 * own; the collections make it lower than without them).
 */
import { createCall } from '../source/api/create-call.js';
import { Player } from '../source/audio/player.js';
import { NullSink } from '../source/audio/sinks/null-sink.js';
import { SilenceSource } from '../source/audio/sources/silence-source.js';
import { SessionStore } from '../source/session/store.js';
import { startScriptedAgent } from './scripted-agent.js';

const RATE = 48_000;
const agent = await startScriptedAgent({
  kind: 'replay',
  agentTurns: 1_000,
  audioPerTurnMs: 3_600,
});
const created = await createCall({
  apiBase: agent.baseUrl,
  apiKey: 'bench-key',
  agentId: 'bench',
  inputSampleRate: RATE,
  outputSampleRate: RATE,
});
const sink = new NullSink(RATE);
await sink.open();
const player = new Player(sink, { maxQueueMs: 120_000 });
const source = new SilenceSource(RATE);
const store = new SessionStore({
  websocketUrl: created.websocketUrl,
  local: false,
  source,
  player,
  inputSampleRate: RATE,
  outputSampleRate: RATE,
  input: { kind: 'none', description: 'none' },
  output: { kind: 'none', description: 'none' },
  echoGuard: false,
  ptt: false,
});
let reads = 0;
store.subscribe(() => {
  reads += store.getSnapshot().turns.length > 0 ? 1 : 0;
});
const samples: number[] = [];
/** What the process holds after a full collection: the JS heap in use and its buffers (MB). */
const retained: number[] = [];
const MB = 1048576;
const keep = () => {
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  const m = process.memoryUsage();
  retained.push((m.heapUsed + m.external) / MB);
};
const timer = setInterval(() => {
  samples.push(process.memoryUsage().rss / MB);
  // Then a full collection, and what is still held.
  keep();
}, 200);
await store.start();
await store.whenEnded();
samples.push(process.memoryUsage().rss / MB);
keep();
clearInterval(timer);
if (store.getSnapshot().turns.length < 2_000)
  throw new Error(`only ${store.getSnapshot().turns.length} turns (${reads})`);
await store.stopAudio();
await agent.close();
process.send?.({ samples, retained }, () => process.exit(0));
