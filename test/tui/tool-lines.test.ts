/**
 * A client tool call in the full-screen UI is one transcript line, `tool   lookup({…}) running`,
 * that says how the call ended once it has, in its place: a new-user trial saw the label twice
 * (`tool   tool lookup(…)`) and two lines per call. The events pane keeps both lines of its log,
 * without the repeated label. In a real terminal (tmux) against the Omnia double.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { double, omniaEnv } from '../omnia/helpers.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

afterEach(async () => {
  await killAllTuis();
});

describe('a tool call in the transcript', () => {
  it('is one line, updated when the tool has answered', async () => {
    const server = await double({
      agents: [{ id: 'agt_front', name: 'Front Desk' }],
      script: async (call, created) => {
        call.json({ type: 'call_started', callId: created.id });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 0,
          text: 'Let me check.',
          final: true,
        });
        call.json({
          type: 'client_tool_invocation',
          toolName: 'lookup',
          invocationId: 'inv_1',
          parameters: { order: 7 },
        });
        await call.waitFor('client_tool_result', 20_000);
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          text: 'Your order is on its way.',
          final: true,
        });
        await call.waitFor('hang_up', 60_000);
        call.ws.close(1000, 'bye');
      },
    });
    const home = tempDir('omnia-tool-lines-');
    // The tool takes a moment: its running line is seen before its answer.
    writeFileSync(
      join(home, 'tools.json'),
      JSON.stringify({ tools: { lookup: { command: 'sleep 1.5; echo shipped' } } }),
    );
    const tui = await startTui({
      args: [
        ...['--api-base', server.baseUrl, '--agent', 'agt_front'],
        ...['--input', 'none', '--output', 'none', '--tools', 'tools.json'],
      ],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      width: 100,
      height: 30,
    });
    const running = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('lookup({"order":7}) running'),
      'the running tool',
    );
    expect(running).toMatch(/^tool {3}lookup\(\{"order":7\}\) running/m);
    expect(running).not.toContain('tool   tool');
    const done = await tui.waitForScreen(
      (s) => s.includes('Your order is on its way.'),
      'the answer after the tool',
    );
    const lines = done.split('\n').filter((line) => line.includes('lookup('));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tool {3}lookup\(\{"order":7\}\) → shipped \(\d+ ms\)/);
    // Between the turns it came between.
    expect(done.indexOf('Let me check.')).toBeLessThan(done.indexOf('lookup('));
    expect(done.indexOf('lookup(')).toBeLessThan(done.indexOf('Your order is on its way.'));
    // The events pane is the log: both lines, each said once.
    await tui.keys('d');
    const events = await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    const pane = events
      .split('\n')
      .map((line) => line.replace(/^.*│/, ''))
      .join('\n');
    expect(pane.match(/\d\d:\d\d:\d\d tool {5}lookup\(/g)).toHaveLength(2);
    expect(pane).not.toMatch(/tool +tool /);
    expect(pane.replace(/\n\s*/g, ' ')).toMatch(/lookup\(\{"order":7\}\) running .* → shipped/);
  }, 60_000);
});
