/**
 * The agent picker against the Omnia double, in a real terminal (tmux), as a new-user trial
 * found it: the notice that keeps the picked agent names the file whole at 100 columns; a slow
 * listing says how many agents have arrived, of how many; a list cut at the pages read says so,
 * and its filter searches Omnia for the rest, so every agent can be picked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import type { DoubleAgent } from '../omnia/double.js';
import { double, omniaEnv, requestsTo } from '../omnia/helpers.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

afterEach(async () => {
  await killAllTuis();
});

const numbered = (count: number): DoubleAgent[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `agt_${String(i + 1).padStart(3, '0')}`,
    name: `Agent ${i + 1}`,
  }));

/** The app against `baseUrl` with no agent configured: the picker first. */
function pickerApp(baseUrl: string, prefix: string, width = 100, height = 30) {
  const home = tempDir(prefix);
  return startTui({
    args: ['--api-base', baseUrl, '--input', 'none', '--output', 'none'],
    env: omniaEnv(home, { TERM: 'screen' }),
    cwd: home,
    width,
    height,
    wrapInShell: true,
  });
}

describe('a slow listing', () => {
  it('says how many agents have arrived, of how many Omnia has', async () => {
    const server = await double({
      agents: numbered(6),
      agentsPerPage: 2,
      agentsPageDelayMs: 1_500,
    });
    const tui = await pickerApp(server.baseUrl, 'omnia-picker-slow-');
    await tui.waitForScreen(
      (s) => s.includes("listing the workspace's agents… 2 of 6"),
      'the first page counted',
    );
    await tui.waitForScreen(
      (s) => s.includes("listing the workspace's agents… 4 of 6"),
      'the second page counted',
    );
    await tui.waitForScreen((s) => /6 of 6 agents/.test(s) && s.includes('Agent 6'), 'the list');
  }, 60_000);
});

describe('a workspace with more agents than the pages read', () => {
  it('says the list was cut, and the filter searches Omnia for an agent past it', async () => {
    // One agent a page: 100 pages hold 100 of the 101 agents.
    const server = await double({ agents: numbered(101), agentsPerPage: 1 });
    const tui = await pickerApp(server.baseUrl, 'omnia-picker-cut-');
    const listed = await tui.waitForScreen((s) => s.includes('Agent 1 '), 'the picker');
    expect(listed.split('\n')[0]).toMatch(/first 100 of 101 agents$/);
    await tui.type('Agent 101');
    const found = await tui.waitForScreen(
      (s) => /^❯ Agent 101 /m.test(s),
      'the agent found by the search',
    );
    expect(found.split('\n')[0]).toMatch(/1 of 101 agents$/);
    // Asked once the typing paused: one search, for the whole filter.
    const searches = requestsTo(server, 'GET', /\/agents$/).filter((r) => r.query.get('search'));
    expect(searches.map((r) => r.query.get('search'))).toEqual(['Agent 101']);
    await tui.keys('Enter');
    await tui.waitForScreen(isLive, 'the call');
    expect(server.calls.at(-1)?.agentId).toBe('agt_101');
  }, 60_000);

  it('a filter that matches none of them says Omnia searched them all', async () => {
    const server = await double({ agents: numbered(101), agentsPerPage: 1 });
    const tui = await pickerApp(server.baseUrl, 'omnia-picker-cut-none-');
    await tui.waitForScreen((s) => s.includes('Agent 1 '), 'the picker');
    await tui.type('zebra');
    const none = await tui.waitForScreen(
      (s) => s.includes('No agent matches the filter (Omnia searched them all).'),
      'the search that found nothing',
    );
    expect(none.split('\n')[0]).toMatch(/0 of 101 agents$/);
  }, 60_000);
});

describe('the picked agent kept as the default', () => {
  it('at 100 columns the notice names the file whole, on a second row if it needs one', async () => {
    const server = await double({
      agents: [
        { id: 'agt_front', name: 'Front Desk' },
        { id: 'agt_support', name: 'Support Desk' },
      ],
    });
    const home = tempDir('omnia-picker-notice-');
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      width: 100,
      height: 30,
    });
    await tui.waitForScreen((s) => s.includes('Support Desk'), 'the picker');
    await tui.type('supp');
    await tui.waitForScreen((s) => /1 of 2 agents/.test(s), 'the filtered list');
    await tui.keys('Enter');
    const live = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('your agent from now on'),
      'the call and the notice',
    );
    const rows = live.split('\n');
    const at = rows.findIndex((row) => row.includes('Support Desk is your agent from now on'));
    // The path whole on a row (under the home folder, as ~), and the way back after it.
    const notice = rows.slice(at, at + 2).join('\n');
    expect(notice).toMatch(/\(kept in ~\/\.config\/omnia-voice\/config\.json; /);
    expect(notice.replace(/\s+/g, ' ')).toContain('omnia-voice config unset agentId picks again)');
    expect(notice).not.toContain('…');
    // Kept in the config file: the next run goes straight to it.
    const config = JSON.parse(
      readFileSync(join(home, '.config', 'omnia-voice', 'config.json'), 'utf8'),
    );
    expect(config.agentId).toBe('agt_support');
  }, 60_000);
});
