/**
 * Issue 12, item 7: `--tools FILE` answers client tools locally (a command gets the parameters
 * on stdin, its stdout is the result; a URL gets them as a POST); failures (exit code,
 * timeout, HTTP error) carry the reason in both Omnia's and Ultravox's fields; tools not in the
 * file are answered at once; every invocation shows in the events and the transcript files.
 * Through the built CLI against the double and the built-in local agent.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { double, QUIET_CALL, runAgainst } from './helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];
/** A command that echoes its stdin back inside a JSON result, and says whether it saw the key. */
const ECHO_TOOL = `node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(JSON.stringify({got:JSON.parse(s),key:process.env.OMNIA_API_KEY===undefined?'hidden':'visible'})+'\\\\n'))"`;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An HTTP tool endpoint: `/ok` answers with what it got, `/fail` with a 500. */
async function toolServer(): Promise<{ base: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/ok') res.writeHead(200).end(`weather for ${JSON.parse(body).city}: sunny`);
      else res.writeHead(500).end('tool backend down');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

describe('--tools against the Omnia double', () => {
  it('runs commands and URLs, reports failures with both fields, refuses unknown tools at once', async () => {
    const web = await toolServer();
    const home = tempDir('omnia-tools-');
    const toolsFile = join(home, 'tools.json');
    writeFileSync(
      toolsFile,
      JSON.stringify({
        tools: {
          lookup: { command: ECHO_TOOL },
          broken: { command: 'echo "database locked" >&2; exit 3' },
          slow: { command: 'sleep 10', timeoutMs: 300 },
          weather: { url: `${web.base}/ok` },
          flaky: { url: `${web.base}/fail` },
        },
      }),
    );
    const invocations: Array<[string, string, Record<string, unknown>]> = [
      ['i1', 'lookup', { order: 7 }],
      ['i2', 'broken', {}],
      ['i3', 'slow', {}],
      ['i4', 'weather', { city: 'Porto' }],
      ['i5', 'flaky', {}],
      ['i6', 'teleport', { where: 'moon' }],
    ];
    const results = new Map<string, Record<string, unknown>>();
    const server = await double({
      agents: AGENTS,
      script: async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 0,
          text: 'Let me check.',
          final: true,
        });
        for (const [invocationId, toolName, parameters] of invocations) {
          call.json({ type: 'client_tool_invocation', toolName, invocationId, parameters });
        }
        for (let i = 0; i < 200 && results.size < invocations.length; i++) {
          for (const m of call.messages as Array<Record<string, unknown>>) {
            if (m.type === 'client_tool_result') results.set(String(m.invocationId), m);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        call.json({ type: 'hangup', reason: 'agent_hangup' });
        call.ws.close(1000);
      },
    });
    const transcript = join(home, 'call.txt');
    const run = await runAgainst(
      server,
      [
        ...QUIET_CALL,
        '--agent',
        'agt_front',
        '--tools',
        toolsFile,
        '--transcript',
        transcript,
        '--no-call-record',
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);

    expect(results.get('i1')).toEqual({
      type: 'client_tool_result',
      invocationId: 'i1',
      result: '{"got":{"order":7},"key":"hidden"}',
    });
    const failure = (id: string, reason: string) => ({
      type: 'client_tool_result',
      invocationId: id,
      error: reason,
      errorType: 'implementation-error',
      errorMessage: reason,
    });
    expect(results.get('i2')).toEqual(failure('i2', 'exited with code 3: database locked'));
    expect(results.get('i3')).toEqual(failure('i3', 'timed out after 0.3 s'));
    expect(results.get('i4')).toEqual({
      type: 'client_tool_result',
      invocationId: 'i4',
      result: 'weather for Porto: sunny',
    });
    expect(results.get('i5')).toEqual(failure('i5', 'HTTP 500: tool backend down'));
    // The agent is told the reason the user's line gives (below), not another one.
    const notInFile = `not in the tools file ${toolsFile} (it has lookup, broken, slow, weather, flaky)`;
    expect(results.get('i6')).toEqual({
      type: 'client_tool_result',
      invocationId: 'i6',
      error: notInFile,
      errorType: 'undefined',
      errorMessage: notInFile,
    });
    expect(web.bodies).toEqual(['{"city":"Porto"}', '{}']);

    // The events show each one; the transcript has a line for each, after the turn it followed.
    expect(run.stdout).toMatch(
      /^\[tool\] lookup\(\{"order":7\}\) → \{"got":\{"order":7\},"key":"hidden"\} \(\d+ ms\)$/m,
    );
    expect(run.stdout).toMatch(
      /^\[tool\] slow\(\{\}\) failed: timed out after 0\.3 s \(\d+ ms\)$/m,
    );
    const lines = readFileSync(transcript, 'utf8').split('\n');
    const first = lines.indexOf('Agent: Let me check.');
    expect(first).toBeGreaterThan(-1);
    expect(lines.slice(first + 1).filter((l) => l.startsWith('Tool: '))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Tool: broken\(\{\}\) failed: exited with code 3: database locked \(\d+ ms\)$/,
        ),
        expect.stringMatching(
          /^Tool: weather\(\{"city":"Porto"\}\) → weather for Porto: sunny \(\d+ ms\)$/,
        ),
        // Which file was read, and what it has: `no such tool here` left the user guessing.
        expect.stringMatching(
          new RegExp(
            `^${escapeRegExp(`Tool: teleport({"where":"moon"}) failed: not in the tools file ${toolsFile} (it has lookup, broken, slow, weather, flaky)`)} \\(\\d+ ms\\)$`,
          ),
        ),
      ]),
    );
  }, 40_000);

  it('a tools file that cannot be used is one line naming it, exit 2, and no call', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir('omnia-tools-');
    const file = join(home, 'tools.json');
    writeFileSync(file, JSON.stringify({ tools: { lookup: { cmd: 'true' } } }));
    const run = await runAgainst(server, [...QUIET_CALL, '--agent', 'agt_front', '--tools', file], {
      home,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: The tools file ${file} has a problem at "tools.lookup": an object with "command" or "url" (and optional "timeoutMs").`,
    );
    expect(server.calls).toHaveLength(0);
  });
});

describe('--tools against the built-in local agent', () => {
  it('a prompt that calls a tool: the command answers, the agent says what it returned', async () => {
    const home = tempDir('omnia-tools-');
    const file = join(home, 'tools.json');
    writeFileSync(
      file,
      JSON.stringify({ tools: { lookup: { command: 'cat >/dev/null; echo open' } } }),
    );
    const run = await runCli(
      [
        ...QUIET_CALL,
        '--prompt',
        'Call the lookup tool, then hang up.',
        '--voice',
        'Alicia',
        '--language',
        'en-us',
        '--greeting',
        'Hi.',
        '--tools',
        file,
        '--no-call-record',
      ],
      { env: cliEnv(home), timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^\[tool\] lookup\(\{"asked":"by the prompt","callId":"[0-9a-f-]+"\}\) → open \(\d+ ms\)$/m,
    );
    expect(run.stdout).toMatch(/^Agent: The lookup tool returned: open\.$/m);
  }, 60_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
