/**
 * Client tool calls as the session keeps them: what the agent was given stays whole (up to the
 * runner's 256 KiB cap) for the transcript files; the events line on screen is short and one
 * line; all the kept text together stays bounded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AudioSource } from '../../source/audio/types.js';
import { missingTool } from '../../source/session/store.js';
import {
  MAX_TOOL_TEXT_CHARS,
  MAX_TOOL_TEXT_TOTAL_CHARS,
  putToolCall,
} from '../../source/session/tool-calls.js';
import type { ToolCall } from '../../source/session/types.js';
import { createToolRunner } from '../../source/tools/runner.js';
import { tempDir, waitFor } from '../helpers/cli.js';
import { type Cleanups, localCall, makeStore, RATE, SECRET } from './helpers.js';

const cleanups: Cleanups = [];
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

    const { agent, url } = await localCall(cleanups);
    const { store } = await makeStore(url, cleanups, {
      source: silence,
      extra: {
        clientTools: createToolRunner([
          {
            kind: 'command',
            name: 'show_banner',
            command: 'cat >/dev/null; cat out.json',
            timeoutMs: 10_000,
            cwd: dir,
          },
        ]),
      },
    });
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
      /^x{500}… \(cut: the first 500 of 262144 characters are kept; a call keeps at most 4,194,304 characters of tool text\)$/,
    );
  });
});

describe('a client tool nobody here answers', () => {
  it('says whether a tools file was given, and which tools it has', () => {
    expect(missingTool(undefined)).toBe('no --tools file given to answer it');
    const runner = createToolRunner(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => ({
        kind: 'command' as const,
        name,
        command: 'true',
        timeoutMs: 1000,
        cwd: '.',
      })),
      'tools/shop.json',
    );
    expect(missingTool(runner)).toBe(
      'not in the tools file tools/shop.json (it has a, b, c, d, e and 2 more)',
    );
  });
});
