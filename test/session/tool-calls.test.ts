/**
 * Client tool calls as the session keeps them: what the agent was given stays whole (up to the
 * runner's 256 KiB cap) for the transcript files; the events line on screen is short and one
 * line; all the kept text together stays bounded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCall } from '../../source/api/create-call.js';
import { Player } from '../../source/audio/player.js';
import { NullSink } from '../../source/audio/sinks/null-sink.js';
import type { AudioSource } from '../../source/audio/types.js';
import { startLocalAgent } from '../../source/local-agent/index.js';
import { SessionStore } from '../../source/session/store.js';
import {
  MAX_TOOL_TEXT_CHARS,
  MAX_TOOL_TEXT_TOTAL_CHARS,
  putToolCall,
} from '../../source/session/tool-calls.js';
import type { ToolCall } from '../../source/session/types.js';
import { createToolRunner } from '../../source/tools/runner.js';
import { tempDir, waitFor } from '../helpers/cli.js';

const RATE = 16_000;
const SECRET = 'sk_secret_key_123456';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A microphone that is never heard: the call is driven by typed text. */
const silence: AudioSource = {
  description: 'silence',
  sampleRate: RATE,
  start: async () => undefined,
  stop: async () => undefined,
};

describe('a client tool result in the session', () => {
  it('is kept whole, newlines and all (secrets redacted), while the events line is short', async () => {
    const dir = tempDir('omnia-tool-calls-');
    // 1,791 characters of pretty-printed JSON, the API key (a secret) deep inside it.
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `item ${i}` }));
    let output = JSON.stringify({ rows, key: SECRET }, null, 2);
    output = output.padEnd(1_791, ' ');
    expect(output.length).toBe(1_791);
    writeFileSync(join(dir, 'out.json'), `${output}\n`);

    const agent = await startLocalAgent({ voice: 'tone' });
    cleanups.push(() => agent.close());
    const call = await createCall({
      apiBase: agent.baseUrl,
      agentId: 'demo',
      inputSampleRate: RATE,
      outputSampleRate: RATE,
    });
    const sink = new NullSink(RATE);
    await sink.open();
    const store = new SessionStore({
      websocketUrl: call.websocketUrl,
      local: true,
      source: silence,
      player: new Player(sink, { leadMs: 40 }),
      inputSampleRate: RATE,
      outputSampleRate: RATE,
      input: { kind: 'test', description: 'silence' },
      output: { kind: 'test', description: 'a null device' },
      echoGuard: false,
      ptt: false,
      secrets: [SECRET],
      clientTools: createToolRunner([
        {
          kind: 'command',
          name: 'show_banner',
          command: 'cat >/dev/null; cat out.json',
          timeoutMs: 10_000,
          cwd: dir,
        },
      ]),
    });
    cleanups.push(() => store.actions.hangUp());
    await store.start();
    store.actions.sendText('please run the client tool');

    const sent = await waitFor(
      () =>
        agent.calls[0]?.clientMessages.find((m) => m.type === 'client_tool_result') as
          | Record<string, unknown>
          | undefined,
      { what: 'client_tool_result' },
    );
    expect(sent.result).toBe(output);
    const kept = await waitFor(
      () => store.getSnapshot().toolCalls?.find((c) => c.status === 'ok'),
      { what: 'the answered tool call' },
    );
    expect(kept.result).toBe(output.split(SECRET).join('[redacted]'));
    expect(JSON.parse(kept.parameters)).toEqual({
      text: 'Hello from the local agent',
      style: 'info',
    });

    const line = store.getSnapshot().events.findLast((e) => e.kind === 'tool')?.message ?? '';
    expect(line).toMatch(
      /^tool show_banner\(\{"text":"Hello from the local agent","style":"info"\}\) → \{ "rows": \[ \{ "id": 0, .*… \(\d+ ms\)$/,
    );
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line).not.toContain(SECRET);
  }, 30_000);
});

describe('the tool calls a call keeps', () => {
  const big = (id: number, chars: number): ToolCall => ({
    invocationId: `inv-${id}`,
    name: 'dump',
    parameters: '{}',
    status: 'ok',
    result: 'x'.repeat(chars),
    startedAt: id,
    endedAt: id + 1,
    durationMs: 1,
    afterOrdinal: 0,
  });

  it('keep the newest results whole and cut the oldest once all of them pass the bound', () => {
    let list: readonly ToolCall[] = [];
    const count = Math.ceil(MAX_TOOL_TEXT_TOTAL_CHARS / MAX_TOOL_TEXT_CHARS) + 3;
    for (let i = 0; i < count; i++) list = putToolCall(list, big(i, MAX_TOOL_TEXT_CHARS));
    const total = list.reduce((sum, c) => sum + c.parameters.length + (c.result?.length ?? 0), 0);
    expect(total).toBeLessThanOrEqual(MAX_TOOL_TEXT_TOTAL_CHARS);
    expect(list.at(-1)?.result).toBe('x'.repeat(MAX_TOOL_TEXT_CHARS));
    expect(list[0]?.result).toMatch(
      /^x{499}… \(cut: the first 500 of 262144 characters are kept; a call keeps at most 4,194,304 characters of tool text\)$/,
    );
  });
});
