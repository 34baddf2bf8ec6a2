/**
 * Issue 12, item 6: `hangup` ends the call as "the agent hung up" (exit 0, files saved, record
 * fetched), `error` messages are shown, and the websocketUrl (a credential) is never printed,
 * logged or saved, verbose included. Through the built CLI against the double and the local agent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { pause } from '../hostile/server.js';
import { DOUBLE_GREETING } from './double.js';
import { double, expectNoSecrets, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];

describe('hangup and error from the Omnia double', () => {
  it('hangup: "the agent hung up", exit 0, transcript saved, record fetched; errors shown; no secret anywhere', async () => {
    const server = await double({
      agents: AGENTS,
      recordDelayMs: 300,
      script: async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 0,
          text: DOUBLE_GREETING,
          final: true,
        });
        call.json({ type: 'error', message: 'The knowledge base is unavailable' });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          text: 'Goodbye now.',
          final: true,
        });
        await pause(200);
        created.endReason = 'agent_hangup';
        call.json({ type: 'hangup', reason: 'agent_hangup' });
        call.ws.close(1000, 'hangup');
      },
    });
    const home = tempDir('omnia-protocol-');
    const transcript = join(home, 'call.jsonl');
    const run = await runAgainst(
      server,
      [
        ...QUIET_CALL,
        '-v',
        '--agent',
        'agt_front',
        '--transcript',
        transcript,
        '--save-transcripts',
        '--record',
        join(home, 'rec.wav'),
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\[error\] server error: The knowledge base is unavailable$/m);
    expect(run.stdout).toMatch(/^Agent: Goodbye now\.$/m);
    expect(run.stderr).toMatch(/^Ended: the agent hung up \(agent_hangup\)$/m);
    expect(run.stderr).toMatch(/^Server end reason: the agent hung up \(agent_hangup\)$/m);
    const id = server.calls[0]?.id ?? '';
    expect(requestsTo(server, 'GET', new RegExp(`/calls/${id}$`)).length).toBeGreaterThan(0);
    const lines = readFileSync(transcript, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'summary')).toMatchObject({
      endReason: 'the agent hung up (agent_hangup)',
      record: { endReason: 'agent_hangup' },
    });
    // The websocketUrl reached the client (it joined), and nothing it wrote holds its token.
    expect(server.calls[0]?.socket).toBeDefined();
    expectNoSecrets([run.stdout, run.stderr], home, server.socketToken);
  }, 40_000);

  it('a hangup whose socket stays open: the app closes it and still ends normally', async () => {
    const server = await double({
      agents: AGENTS,
      script: async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({ type: 'hangup' });
        await call.closed;
      },
    });
    const run = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      'agt_front',
      '--no-call-record',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Ended: the agent hung up$/m);
  }, 40_000);
});

describe('the websocketUrl is a credential', () => {
  it('a server that echoes it into messages: the app shows [redacted], never the URL', async () => {
    const server = await double({
      agents: AGENTS,
      script: async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({ type: 'error', message: `could not reach ${created.websocketUrl}` });
        call.json({ type: 'debug', message: `socket ${created.websocketUrl}` });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 0,
          text: `Join ${created.websocketUrl}`,
          final: true,
        });
        await pause(200);
        call.ws.close(1000);
      },
    });
    const home = tempDir('omnia-protocol-');
    const run = await runAgainst(
      server,
      [
        ...QUIET_CALL,
        '-v',
        '--agent',
        'agt_front',
        '--no-call-record',
        '--transcript',
        join(home, 'call.jsonl'),
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\[error\] server error: could not reach \[redacted\]$/m);
    expect(run.stdout).toMatch(/^Agent: Join \[redacted\]$/m);
    expectNoSecrets([run.stdout, run.stderr], home, server.socketToken);
  }, 40_000);
});

describe('hangup from the built-in local agent', () => {
  it('a prompt that asks for it: greeting, goodbye, hangup, exit 0, and the record says agent_hangup', async () => {
    const home = tempDir('omnia-protocol-');
    const run = await runCli(
      [
        ...QUIET_CALL,
        '-v',
        '--prompt',
        'Greet the caller, then hang up.',
        '--voice',
        'Alicia',
        '--language',
        'en-us',
      ],
      { env: cliEnv(home), timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Agent: Goodbye! Thanks for calling\. I am hanging up now\.$/m);
    expect(run.stdout).toMatch(/^\[info\] the agent hung up \(agent_hangup\)$/m);
    expect(run.stderr).toMatch(/^Ended: the agent hung up \(agent_hangup\)$/m);
    expect(run.stderr).toMatch(/^Server end reason: the agent hung up \(agent_hangup\)$/m);
    // Verbose mode shows the call id but never the socket URL (its path is /calls/<id>/ws).
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/ws:\/\/|\/ws\b/);
  }, 60_000);
});
