/** Child of bench/memory.ts: replays a long call through a SessionStore and reports RSS samples. */
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
const timer = setInterval(() => samples.push(process.memoryUsage().rss / 1048576), 200);
await store.start();
await store.whenEnded();
global.gc?.();
samples.push(process.memoryUsage().rss / 1048576);
clearInterval(timer);
if (store.getSnapshot().turns.length < 2_000)
  throw new Error(`only ${store.getSnapshot().turns.length} turns (${reads})`);
await store.stopAudio();
await agent.close();
process.send?.(samples, () => process.exit(0));
