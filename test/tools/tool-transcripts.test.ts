/**
 * What a transcript file holds of a client tool call, through the built CLI and its built-in
 * local agent: the whole result the agent was given (newlines kept), the parameters as a JSON
 * object, and in `.jsonl` each tool line after the turn it followed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

/** 1,791 characters of pretty-printed JSON, as the user's tool printed in the trial. */
function toolOutput(): string {
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `item ${i}` }));
  const text = JSON.stringify({ rows }, null, 2).padEnd(1_791, ' ');
  expect(text.length).toBe(1_791);
  return text;
}

/** A plain prompt call to the built-in local agent, answering `tools`, its transcript kept. */
function toolCallArgs(prompt: string, tools: string, transcript: string): string[] {
  return [
    ...['--plain', '--input', 'none', '--output', 'none'],
    ...['--prompt', prompt, '--voice', 'Alicia', '--language', 'en-us', '--greeting', 'Hi.'],
    ...['--tools', tools, '--transcript', transcript, '--no-call-record'],
  ];
}

/** A prompt call to the local agent that calls `lookup` once, with the transcript in `file`. */
async function callWithTool(
  home: string,
  transcript: string,
): Promise<{ output: string; stdout: string }> {
  const output = toolOutput();
  writeFileSync(join(home, 'out.json'), `${output}\n`);
  const tools = join(home, 'tools.json');
  writeFileSync(
    tools,
    JSON.stringify({ tools: { lookup: { command: 'cat >/dev/null; cat out.json' } } }),
  );
  const run = await runCli(toolCallArgs('Call the lookup tool, then hang up.', tools, transcript), {
    env: cliEnv(home),
    timeoutMs: 60_000,
  });
  expect(run.code, run.stderr).toBe(0);
  return { output, stdout: run.stdout };
}

/**
 * The screen keeps a short one-line form: `[tool] lookup({…}) → { "rows": [ … (12 ms)`, the
 * word `tool` said once, by the label.
 */
function expectShortLine(stdout: string): void {
  expect(stdout).not.toMatch(/\[tool\] tool /);
  const line =
    stdout.split('\n').find((l) => l.startsWith('[tool] lookup(') && l.includes(' → ')) ?? '';
  expect(line).toMatch(/→ \{ "rows": \[ \{ "id": 0, .*… \(\d+ ms\)$/);
  expect(line.length).toBeLessThanOrEqual(300);
}

describe('tool calls in transcript files', () => {
  it('.json keeps the whole result and the parameters as an object', async () => {
    const home = tempDir('omnia-tool-transcript-');
    const file = join(home, 'call.json');
    const { output, stdout } = await callWithTool(home, file);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.toolCalls).toHaveLength(1);
    expect(doc.toolCalls[0]).toMatchObject({
      name: 'lookup',
      status: 'ok',
      parameters: { asked: 'by the prompt', callId: doc.call.callId },
      result: output,
    });
    expectShortLine(stdout);
  }, 60_000);

  it('.jsonl has the tool line after the turn it followed, with the whole result', async () => {
    const home = tempDir('omnia-tool-transcript-');
    const file = join(home, 'call.jsonl');
    const { output, stdout } = await callWithTool(home, file);
    const records = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const kinds = records
      .filter((r) => r.type === 'turn' || r.type === 'tool')
      .map((r) => (r.type === 'turn' ? `${r.role} ${r.ordinal}` : 'tool'));
    const tool = records.find((r) => r.type === 'tool');
    expect(tool).toMatchObject({ parameters: { asked: 'by the prompt' }, result: output });
    // The greeting, then the tool, then what the agent said about it.
    expect(kinds.slice(0, 3)).toEqual([`agent ${tool.afterOrdinal}`, 'tool', expect.any(String)]);
    expect(kinds.filter((k) => k === 'tool')).toHaveLength(1);
    expectShortLine(stdout);
  }, 60_000);
});

describe('a tool still running when the call ends', () => {
  it('plain mode prints that it failed, after its running line, as the transcript has it', async () => {
    const home = tempDir();
    const tools = join(home, 'tools.json');
    writeFileSync(tools, JSON.stringify({ tools: { lookup: { command: 'sleep 30' } } }));
    const transcript = join(home, 'call.txt');
    const run = await runCli(
      [...toolCallArgs('Call the lookup tool.', tools, transcript), '--duration', '4'],
      { env: cliEnv(home), timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    // Each line says `tool` once, in its label (the running one as it starts, the failed one
    // as the call ends).
    expect(run.stdout).not.toMatch(/\[tool\] tool /);
    const running = lines.findIndex((l) => /^\[tool\] lookup\(.*\) running$/.test(l));
    const failed = lines.findIndex((l) =>
      /^\[tool\] lookup\(.*\) failed: the call ended before the tool finished \(\d+ ms\)$/.test(l),
    );
    expect(running, run.stdout).toBeGreaterThanOrEqual(0);
    expect(failed, run.stdout).toBeGreaterThan(running);
    expect(readFileSync(transcript, 'utf8')).toMatch(
      /^Tool: lookup\(.*\) failed: the call ended before the tool finished \(\d+ ms\)$/m,
    );
  });
});
