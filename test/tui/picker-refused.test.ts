/**
 * An agent picked in the full-screen picker that Omnia then refuses (deactivated meanwhile) is
 * not kept as the default: the picker comes back saying why, as the picker's choice, so another
 * can be picked; and when a kept agent id is refused, the error says where it comes from and how
 * to get the picker back. Against the Omnia double, in a real terminal (tmux).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import type { DoubleAgent } from '../omnia/double.js';
import { double, omniaEnv, runAgainst } from '../omnia/helpers.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

afterEach(async () => {
  await killAllTuis();
});

const HINT =
  'That agent id is kept in the config file: `omnia-voice config unset agentId` lists the agents to pick from again.';

describe('an agent Omnia refuses', () => {
  /** The picker against a double whose second agent is deactivated once listed. */
  async function refusedPick(prefix: string) {
    const agents: DoubleAgent[] = [
      { id: 'agt_front', name: 'Front Desk' },
      { id: 'agt_gone', name: 'Gone Soon' },
    ];
    const server = await double({ agents });
    const home = tempDir(prefix);
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      wrapInShell: true,
    });
    await tui.waitForScreen(
      (s) => s.includes('pick an agent') && s.includes('Gone Soon'),
      'picker',
    );
    // Deactivated between the listing and the choice.
    agents[1]!.status = 'INACTIVE';
    await tui.type('gone');
    await tui.waitForScreen((s) => s.includes('filter: gone'), 'the filter');
    await tui.keys('Enter');
    const again = await tui.waitForScreen(
      (s) => s.includes('pick an agent') && s.includes('✖ Gone Soon (agt_gone)'),
      'the picker again, saying why',
    );
    return { server, home, tui, again };
  }

  const configOf = (home: string) => {
    const config = join(home, '.config', 'omnia-voice', 'config.json');
    return existsSync(config) ? JSON.parse(readFileSync(config, 'utf8')) : {};
  };

  it('picked, then refused: the picker again, saying why, and another one can be called', async () => {
    const { server, home, tui, again } = await refusedPick('omnia-picker-refused-');
    // Said as the picker's choice, not as a flag or variable to check; the list and the
    // filter as they were.
    expect(again.replace(/\s+/g, ' ')).toContain(
      '✖ Gone Soon (agt_gone), the agent you picked, could not be called: Omnia does not know it, or it is not active (HTTP 404 API_ERROR: Agent not found or inactive). It is not kept as your agent.',
    );
    expect(again).not.toContain('OMNIA_AGENT_ID');
    expect(again).toContain('filter: gone');
    expect(again).toMatch(/^❯ Gone Soon/m);
    expect(configOf(home).agentId).toBeUndefined();
    // The list was not read again.
    const listings = server.requests.filter((r) => r.method === 'GET' && /\/agents$/.test(r.path));
    expect(listings).toHaveLength(1);
    await tui.keys('C-u');
    await tui.type('front');
    await tui.waitForScreen((s) => /^❯ Front Desk/m.test(s), 'the other agent');
    await tui.keys('Enter');
    const live = await tui.waitForScreen(isLive, 'the call with the other agent');
    expect(live.split('\n')[0]).toContain('Front Desk (agt_front)');
    expect(configOf(home).agentId).toBe('agt_front');
  }, 60_000);

  it('picked, refused, then Esc: exit 1, and the shell is told why', async () => {
    const { home, tui } = await refusedPick('omnia-picker-refused-esc-');
    await tui.keys('Escape');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to end');
    expect(end).toMatch(/^EXITED:1$/m);
    expect(end.replace(/\n/g, '')).toContain(
      'No call: Gone Soon (agt_gone), the agent you picked, could not be called: Omnia does not know it',
    );
    expect(end).not.toContain('you left the agent picker');
    expect(configOf(home).agentId).toBeUndefined();
  }, 60_000);

  it('kept in the config file and refused, in plain mode: the error says what to do instead of picking', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const home = tempDir('omnia-kept-refused-');
    const dir = join(home, '.config', 'omnia-voice');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ agentId: 'agt_deleted' }));
    const run = await runAgainst(server, ['--plain', '--input', 'none', '--output', 'none'], {
      home,
    });
    // Asked by id: Omnia lists no such agent (exit 2, a usage error: the id is wrong).
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'Could not create the call: No active agent has the id or name "agt_deleted"',
    );
    // Plain mode has no picker: it says what to do there instead, with the server's own list.
    expect(run.stderr).toContain(
      `That agent id is kept in the config file: pass another with --agent <id or name> (omnia-voice agents --api-base ${server.baseUrl} lists them), or keep another with \`omnia-voice config set agentId <id>\`.`,
    );
    expect(run.stderr).not.toContain(HINT);
    // One sentence after another: the command that ends the first is followed by a full stop.
    expect(run.stderr).toMatch(/omnia-voice agents --api-base \S+\. That agent id is kept/);
  }, 60_000);

  it('kept in the config file and refused, full-screen: the error says how to get the picker back', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const home = tempDir('omnia-kept-refused-tui-');
    const dir = join(home, '.config', 'omnia-voice');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ agentId: 'agt_deleted' }));
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      wrapInShell: true,
      width: 400,
    });
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to end');
    expect(end).toMatch(/^EXITED:2$/m);
    expect(end).toContain(HINT);
  }, 60_000);

  it('given with --agent, the id is not the one kept in the config file: no such hint', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const flagged = await runAgainst(server, [
      '--plain',
      '--input',
      'none',
      '--output',
      'none',
      '--agent',
      'agt_deleted',
    ]);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).not.toContain('kept in the config file');
  }, 60_000);
});
