/**
 * The Omnia console in the full-screen UI (issue 12), in a real terminal: the agent picker when
 * a key is configured but no agent, `r` to call again with the prompt file read again (earlier
 * calls above a divider, on screen and in the transcript file), and the "fetching the call
 * record" line that a key skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wavHeader } from '../../source/audio/wav.js';
import { startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, tempDir } from '../helpers/cli.js';
import { double, KEY } from '../omnia/helpers.js';
import { startCreateHoldingProxy } from './fixtures.js';
import { isLive, isLiveASecond, killAllTuis, screenLines, startTui, type Tui } from './tmux.js';

const agents: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await killAllTuis();
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function localAgent() {
  const agent = await startLocalAgent({ voice: 'tone' });
  agents.push(agent);
  return agent;
}

function exitCodeOf(screen: string): number | undefined {
  const m = /EXITED:(\d+)/.exec(screen);
  return m ? Number(m[1]) : undefined;
}

/** A prompt call's arguments: the prompt file, a voice and language the local agent has. */
function promptCall(prompt: string): string[] {
  return ['--prompt', prompt, '--voice', 'Alex', '--language', 'en-us'];
}

/** The app with no key, 120x30: it starts its own local agent. */
function localApp(args: string[], home: string): Promise<Tui> {
  return startTui({
    args: [...args, '--input', 'none', '--output', 'none'],
    env: cliEnv(home, { TERM: 'screen' }),
    cwd: home,
    width: 120,
    height: 30,
    wrapInShell: true,
  });
}

async function app(args: string[], home: string, extra: Record<string, string> = {}): Promise<Tui> {
  return startTui({
    args: [...args, '--input', 'none', '--output', 'none'],
    env: cliEnv(home, { OMNIA_API_KEY: KEY, TERM: 'screen', ...extra }),
    cwd: home,
    width: 100,
    height: 30,
    wrapInShell: true,
  });
}

describe('the agent picker', () => {
  it("lists the agents, filters as you type, calls the one chosen; a local agent's is not kept", async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-picker-');
    const tui = await app(['--api-base', agent.baseUrl], home);
    const listed = await tui.waitForScreen(
      (s) => s.includes('pick an agent') && s.includes('Support Desk'),
      'the picker',
    );
    expect(listed).toContain('Hotel Concierge');
    expect(listed).toMatch(/❯ Demo/);
    // "sux", then Backspace and "pp" in one read (a held key, a fast typist over SSH): every
    // key counts.
    await tui.type('sux');
    await tui.waitForScreen((s) => s.includes('filter: sux'), 'the filter');
    await tui.keys('-H', '7f', '70', '70');
    await tui.waitForScreen(
      (s) =>
        s.includes('Support Desk') && !s.includes('Hotel Concierge') && /1 of \d+ agents/.test(s),
      'the filtered list',
    );
    await tui.keys('Enter');
    const live = await tui.waitForScreen(isLive, 'the call with the chosen agent');
    expect(screenLines(live)[0]).toContain('Support Desk (support)');
    expect(agent.calls.at(-1)?.agentId).toBe('support');
    // The local agent's agent is not the user's on Omnia: not kept (a pick from Omnia is, in
    // picker-omnia.test.ts), and said, with the way to call it again, also in the events once
    // the notice has gone.
    expect(live.replace(/\s+/g, ' ')).toContain(
      `Support Desk belongs to the local agent at 127.0.0.1:${agent.port}: not kept as your agent (omnia-voice --agent support --api-base ${agent.baseUrl.replace(/\/+$/, '')} calls it again)`,
    );
    await tui.keys('d');
    await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    // The notice lasts 5 s: after it, the events pane still has the note.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Above the events after it, a page back (`[`) when the pane is short.
    if (!/info +Support Desk belongs/.test(await tui.capture())) await tui.keys('[');
    await tui.waitForScreen(
      (s) => /info +Support Desk belongs\s+(│\s+)?to the local agent/.test(s),
      'the note in the events pane',
    );
    expect(existsSync(join(home, '.config', 'omnia-voice', 'config.json'))).toBe(false);
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end', 20_000);
  }, 60_000);

  it('a paste filters (bracketed, lines joined); text and Enter in one read filter, then call', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-picker-');
    const tui = await app(['--api-base', agent.baseUrl], home);
    await tui.waitForScreen((s) => s.includes('pick an agent') && s.includes('Demo'), 'the picker');
    await tui.pasteText('hotel\n');
    await tui.waitForScreen(
      (s) => s.includes('filter: hotel') && /1 of \d+ agents/.test(s),
      'the pasted filter',
    );
    // Nothing was called by the pasted newline.
    expect(agent.calls).toHaveLength(0);
    // On a narrow screen the row gives up the id, not the language and voice.
    await tui.resize(40, 12);
    const narrow = await tui.waitForScreen(
      (s) => /^❯ Hotel Concierge\s+en-gb · Annie/m.test(s),
      'the row at 40 columns, with its language and voice',
    );
    expect(narrow).toMatch(/^ {2}name\s+language · voice/m);
    // The footer keeps the way out in sight (it was cut before `Esc quit`).
    expect(narrow).toMatch(/^Enter call · Esc quit/m);
    // A long filter shows the end being typed, not its start.
    await tui.pasteText(' and a much longer tail typed last');
    await tui.waitForScreen((s) => /^filter: ….*typed last\s*$/m.test(s), 'the tail of the filter');
    expect((await tui.capture()).split('\n')[0]).toMatch(/pick an ag\S* +0 of \d+/);
    // With no match, Enter calls no one, and the footer does not offer it.
    const none = await tui.waitForScreen((s) => /^Esc quit · no match/m.test(s), 'the footer');
    expect(none).not.toContain('Enter call');
    await tui.resize(100, 30);
    await tui.keys('-H', ...[...Buffer.from('\u0015supp\r')].map((b) => b.toString(16)));
    // The header names the agent; waited for, as the app may draw the call's first frames at
    // 40 columns before it has read the resize back to 100 (a loaded machine).
    const live = await tui.waitForScreen(
      (s) => isLive(s) && (screenLines(s)[0] ?? '').includes('Support Desk (support)'),
      'the call with the agent typed for, named in the header',
    );
    expect(screenLines(live)[0]).toContain('Support Desk (support)');
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end', 20_000);
  }, 60_000);

  it('Esc and Ctrl+C leave without a call, and say so', async () => {
    const agent = await localAgent();
    for (const key of ['Escape', 'C-c']) {
      const home = tempDir('omnia-picker-');
      const tui = await app(['--api-base', agent.baseUrl], home);
      await tui.waitForScreen(
        (s) => s.includes('pick an agent') && s.includes('Demo'),
        'the picker',
      );
      await tui.keys(key);
      const end = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end');
      expect(exitCodeOf(end), key).toBe(0);
      expect(end, key).toMatch(/^No call: you left the agent picker\.$/m);
      await tui.kill();
    }
    expect(agent.calls).toHaveLength(0);
  }, 60_000);

  it('SIGTERM in the picker says it stopped the run: nobody left the picker (exit 143)', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-picker-');
    const tui = await app(['--api-base', agent.baseUrl], home);
    await tui.waitForScreen((s) => s.includes('pick an agent') && s.includes('Demo'), 'the picker');
    const shell = execFileSync('tmux', ['-L', tui.socket, 'display', '-p', '#{pane_pid}'], {
      encoding: 'utf8',
    }).trim();
    const pid = Number(execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim());
    process.kill(pid, 'SIGTERM');
    const end = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end');
    expect(exitCodeOf(end)).toBe(143);
    expect(end).toMatch(/^No call: stopped by SIGTERM in the agent picker\.$/m);
    expect(end).not.toMatch(/you left/);
  }, 60_000);
});

describe('the agent picker when the agents cannot be listed', () => {
  it('r lists again once the server is up; Esc says why nothing was called, exit 1', async () => {
    const first = await localAgent();
    const port = first.port;
    await first.close();
    const home = tempDir('omnia-picker-down-');
    const tui = await app(['--api-base', `http://127.0.0.1:${port}`], home);
    await tui.waitForScreen(
      (s) => s.includes('✖') && /^r retry · Esc quit/m.test(s),
      'the failure, with the way to try again',
    );
    // The server comes up: r lists the agents, and one can be picked.
    const agent = await startLocalAgent({ voice: 'tone', port });
    agents.push(agent);
    await tui.keys('r');
    await tui.waitForScreen((s) => s.includes('Hotel Concierge'), 'the agents, listed again');
    await agent.close();
    await tui.keys('Escape');
    const quiet = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end');
    expect(exitCodeOf(quiet)).toBe(0);

    // Down again, and left with Esc: the shell is told why the run did nothing.
    const again = await app(
      ['--api-base', `http://127.0.0.1:${port}`],
      tempDir('omnia-picker-down-'),
    );
    await again.waitForScreen((s) => /^r retry · Esc quit/m.test(s), 'the failure');
    await again.keys('Escape');
    const end = await again.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end');
    expect(exitCodeOf(end)).toBe(1);
    expect(end.replace(/\n/g, '')).toMatch(/No call: the agents could not be listed: Cannot reach/);
  }, 60_000);
});

describe('r calls again', () => {
  it('re-reads the prompt file: the earlier call stays above a divider, on screen and in the file', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-');
    const prompt = join(home, 'florist.md');
    writeFileSync(prompt, 'You sell tulips in Amsterdam. Be brief.\n');
    const transcript = join(home, 'calls.md');
    const tui = await app(
      ['--api-base', agent.baseUrl, ...promptCall(prompt), '--transcript', transcript],
      home,
    );
    const first = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('You sell tulips') && s.includes('listening'),
      'the first call, greeting with the prompt (said whole)',
    );
    const hash1 = /florist\.md · ([0-9a-f]{8})/.exec(screenLines(first)[0] ?? '')?.[1];
    expect(hash1).toBeDefined();

    writeFileSync(prompt, 'You sell roses in Lisbon. Be kind.\n');
    await tui.keys('r');
    const second = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('You sell roses') && s.includes('listening'),
      'the second call, greeting with the edited prompt (said whole)',
    );
    const hash2 = /florist\.md · ([0-9a-f]{8})/.exec(screenLines(second)[0] ?? '')?.[1];
    expect(hash2).toBeDefined();
    expect(hash2).not.toBe(hash1);
    // The first call is still there, above its divider; the second has its own.
    expect(second).toMatch(new RegExp(`call 1 · florist\\.md · ${hash1}`));
    expect(second).toMatch(new RegExp(`call 2 · florist\\.md · ${hash2}`));
    expect(second.indexOf('You sell tulips')).toBeLessThan(second.indexOf('You sell roses'));
    expect(agent.calls).toHaveLength(2);

    await tui.keys('q');
    const end = await tui.waitForScreen(
      (s) => exitCodeOf(s) !== undefined,
      'the app to end',
      20_000,
    );
    expect(exitCodeOf(end)).toBe(0);
    // Both calls' summaries, and the run's file named once, after the last.
    const named = end.replace(/\n(?!Call |Transcript|Turns|Ended|Server|Response|EXITED)/g, '');
    expect(named.split('\n').filter((l) => l.startsWith('Transcript: '))).toEqual([
      `Transcript: ${transcript}`,
    ]);
    const file = readFileSync(transcript, 'utf8');
    expect(file).toContain(hash1!);
    expect(file).toContain(hash2!);
    expect(file.indexOf('You sell tulips')).toBeLessThan(file.indexOf('You sell roses'));
    expect(file).not.toContain('in progress');
  }, 60_000);

  it("s in the second call names the file after the run's first call, which the file opens with", async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-save-');
    const dir = join(home, 'transcripts');
    const tui = await app(['--api-base', agent.baseUrl, '--agent', 'demo'], home, {
      OMNIA_TRANSCRIPT_DIR: dir,
    });
    await tui.waitForScreen((s) => isLiveASecond(s) && s.includes('local demo agent'), 'the call');
    await tui.keys('r');
    await tui.waitForScreen((s) => isLive(s) && s.includes('call 2 ·'), 'the second call', 20_000);
    await tui.keys('s');
    await tui.waitForScreen((s) => s.includes('transcript saved to'), 'the save');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const [first, second] = agent.calls.map((c) => c.id.replace(/[^A-Za-z0-9-]/g, '').slice(0, 8));
    expect(files[0]).toContain(`_${first}.md`);
    expect(files[0]).not.toContain(second!);
    const file = readFileSync(join(dir, files[0]!), 'utf8');
    expect(file.indexOf('# Omnia Voice call 1')).toBeLessThan(file.indexOf('# Omnia Voice call 2'));
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the end', 20_000);
  }, 60_000);
});

describe('a prompt call on the built-in local agent', () => {
  it('names the prompt file and its hash in the title, beside why it is the local agent', async () => {
    const home = tempDir('omnia-local-prompt-');
    const prompt = join(home, 'pirate.md');
    writeFileSync(prompt, 'You are a terse pirate.\n');
    // No API key: the app starts its own local agent.
    const tui = await localApp(promptCall(prompt), home);
    const live = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('terse pirate'),
      'the call, greeting with the prompt',
    );
    const title = screenLines(live)[0] ?? '';
    expect(title).toMatch(/pirate\.md · [0-9a-f]{8}/);
    expect(title).toContain('built-in local agent (no API key configured)');
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end', 20_000);
  }, 60_000);
});

describe('an agent of the built-in local agent', () => {
  it('is named in the title, beside why it is the local agent', async () => {
    const home = tempDir('omnia-local-agent-');
    const tui = await localApp(['--agent', 'concierge'], home);
    const live = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('Grand Hotel'),
      'the call, greeting as the concierge',
    );
    expect(screenLines(live)[0]).toMatch(
      /^omnia-voice · Hotel Concierge \(concierge\) · built-in local agent \(no API key configured\)/,
    );
    // The help, at its end, says how to reach Omnia instead (the line printed before the
    // screen took over is hidden by it).
    await tui.keys('?');
    await tui.waitForScreen((s) => s.includes('Keys (? or Esc to close)'), 'the help');
    await tui.keys('End');
    const help = await tui.waitForScreen(
      (s) => s.includes('This is the built-in local agent'),
      'the note at the end of the help',
    );
    expect(help.replace(/\s+/g, ' ')).toContain(
      'This is the built-in local agent: no API key is configured. To talk to Omnia, set OMNIA_API_KEY (in the environment, a .env file, or with omnia-voice config set apiKey) and start again: you then pick one of your agents, or name one with --agent.',
    );
    await tui.keys('Escape');
    await tui.waitForScreen((s) => !s.includes('Keys (? or Esc to close)'), 'the help closed');
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the app to end', 20_000);
  }, 60_000);
});

describe('r when no call can be made', () => {
  it('a redial whose numbered WAV would write over a file the run reads is refused, the file kept', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-files-');
    const speech = Buffer.concat([
      wavHeader({ sampleRate: 16_000, channels: 1, dataBytes: 32_000 }),
      Buffer.alloc(32_000),
    ]);
    writeFileSync(join(home, 'voice-2.wav'), speech);
    const tui = await startTui({
      args: [
        ...['--api-base', agent.baseUrl, '--agent', 'demo'],
        ...['--input', 'voice-2.wav', '--output', 'none', '--record', 'voice.wav'],
      ],
      env: cliEnv(home, { OMNIA_API_KEY: KEY, TERM: 'screen' }),
      cwd: home,
      width: 220,
      height: 30,
      wrapInShell: true,
    });
    await tui.waitForScreen((s) => isLiveASecond(s) && s.includes('local demo agent'), 'the call');
    // Call 2 would record into voice-2.wav: the input of every call of the run. Known before
    // anything is hung up, so the call that works goes on.
    await tui.keys('r');
    const refused = await tui.waitForScreen(
      (s) => s.includes('not calling again'),
      'the refused redial',
      20_000,
    );
    expect(refused.replace(/\s+/g, ' ')).toContain(
      'not calling again: --record of call 2 (voice-2.wav) names the input file (voice-2.wav)',
    );
    expect(refused).not.toMatch(/call ended|could not call again/);
    expect(isLive(refused), refused).toBe(true);
    expect(agent.calls).toHaveLength(1);
    expect(readFileSync(join(home, 'voice-2.wav')).equals(speech)).toBe(true);
    await tui.keys('q');
    const end = await tui.waitForScreen(
      (s) => exitCodeOf(s) !== undefined,
      'the app to end',
      20_000,
    );
    // The one call's recording is named in its summary.
    expect(end).toMatch(/^Recording: voice\.wav$/m);
  }, 60_000);

  it('a redial that fails shows no second call, and s saves the one call there was, once', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-fail-');
    const dir = join(home, 'transcripts');
    const tui = await app(['--api-base', agent.baseUrl, '--agent', 'demo'], home, {
      OMNIA_TRANSCRIPT_DIR: dir,
    });
    await tui.waitForScreen((s) => isLive(s) && s.includes('local demo agent'), 'the call');
    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type('first message');
    await tui.keys('Enter');
    await tui.waitForScreen((s) => s.includes('You typed: first message'), 'the reply');
    // The server goes away: the call drops, and calling again cannot create a call.
    await agent.close();
    await tui.waitForScreen((s) => /call socket lost|ended/.test(s), 'the call to end');
    await tui.keys('r');
    const failed = await tui.waitForScreen(
      (s) => s.includes('could not call again'),
      'the failed redial',
      20_000,
    );
    expect(failed).not.toMatch(/call 2/);
    // The info pane names the agent the run calls, as the header does; no call is open.
    expect(failed).toMatch(/│agent +Demo \(demo\)/);
    expect(failed).toMatch(/│call +—/);
    expect(failed.split('You typed: first message')).toHaveLength(2);
    expect(failed.split('local demo agent')).toHaveLength(2);
    // The events pane has why, as a call's events have its errors (it was empty: Events (0)),
    // below the first call's events, which stay under their divider (how it ended).
    await tui.keys('d');
    const pane = await tui.waitForScreen(
      (s) => /Events \(\d+\)/.test(s) && /error\s+could not call again/.test(s),
      'the failure in the events pane',
    );
    expect(Number(/Events \((\d+)\)/.exec(pane)?.[1])).toBeGreaterThan(1);
    expect(pane).toMatch(/│\d\d:\d\d:\d\d error +call ended: call/);
    await tui.keys('d');
    await tui.keys('s');
    const saved = await tui.waitForScreen((s) => s.includes('transcript saved to'), 'the save');
    expect(saved).not.toMatch(/could not save/);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const file = readFileSync(join(dir, files[0]!), 'utf8');
    expect(file).not.toMatch(/Omnia Voice call 2/);
    expect(file.split('You typed: first message')).toHaveLength(2);
    // The one call, once (its id is also in the record's `later` hint).
    expect(file.split(`**Call ID:** ${agent.calls[0]!.id}`)).toHaveLength(2);
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the end', 20_000);
    expect(end).not.toMatch(/call 2/);
    // The run's last attempt made no call: said last, and the exit code says it too.
    const lines = end.replace(
      /\n(?!error:|EXITED|Call |Turns|Ended|Transcript|Server|Response)/g,
      '',
    );
    expect(lines).toMatch(/^error: could not call again: .*\nEXITED:1$/m);
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toBe(file);
  }, 60_000);

  it("a failed redial stays said after the next redial works: in the transcript, the events pane and the run's end", async () => {
    const first = await localAgent();
    const port = Number(new URL(first.baseUrl).port);
    const home = tempDir('omnia-redial-again-');
    const tui = await app(['--api-base', first.baseUrl, '--agent', 'demo'], home);
    await tui.waitForScreen((s) => isLive(s) && s.includes('local demo agent'), 'the call');
    await first.close();
    await tui.waitForScreen((s) => /call socket lost|ended/.test(s), 'the call to end');
    await tui.keys('r');
    await tui.waitForScreen((s) => s.includes('could not call again'), 'the failed redial', 20_000);
    // The server is back on its port: calling again works.
    const second = await startLocalAgent({ voice: 'tone', port });
    agents.push(second);
    await tui.keys('r');
    const live = await tui.waitForScreen(
      (s) => isLive(s) && /call 2/.test(s),
      'the second call',
      20_000,
    );
    // Between the first call and the second, where it happened (it was gone from both panes).
    expect(live).toMatch(/call 1[\s\S]*error +could not call again: [\s\S]*call 2/);
    await tui.keys('d');
    const pane = await tui.waitForScreen(
      (s) => /Events \(\d+\)/.test(s) && /── call 2/.test(s),
      'the events pane',
    );
    expect(pane).toMatch(/error +could not call again[\s\S]*── call 2/);
    await tui.keys('d');
    await tui.keys('q');
    const end = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the end', 20_000);
    const lines = end.replace(
      /\n(?!Redial:|error:|EXITED|Call |Turns|Ended|Transcript|Server|Response)/g,
      '',
    );
    // In the first call's block, before the second call's; the run ends well (the last call's).
    expect(lines).toMatch(/^Call 1 [\s\S]*\nRedial: could not call again: [^\n]*\nCall 2 /m);
    expect(lines).not.toMatch(/^error:/m);
    expect(exitCodeOf(end)).toBe(0);
  }, 90_000);

  it('a prompt file that cannot be read keeps the call that works', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-prompt-');
    const prompt = join(home, 'baker.md');
    writeFileSync(prompt, 'You are a baker. Be brief.\n');
    const tui = await app(['--api-base', agent.baseUrl, ...promptCall(prompt)], home);
    await tui.waitForScreen(
      (s) => isLiveASecond(s) && s.includes('You are a baker') && s.includes('listening'),
      'the call',
    );
    writeFileSync(prompt, '');
    await tui.keys('r');
    const kept = await tui.waitForScreen((s) => s.includes('not calling again'), 'the refusal');
    expect(kept).toMatch(/baker\.md/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await tui.capture();
    expect(isLive(after)).toBe(true);
    expect(after).not.toMatch(/call 2/);
    expect(agent.calls).toHaveLength(1);
  }, 60_000);
});

describe('r keeps the mute', () => {
  it('a muted mic is still muted in the call r makes', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-');
    const tui = await app(['--api-base', agent.baseUrl, '--agent', 'demo'], home);
    await tui.waitForScreen((s) => isLive(s) && s.includes('mic live'), 'the first call');
    await tui.keys('m');
    await tui.waitForScreen((s) => s.includes('MUTED') && isLiveASecond(s), 'muted');
    await tui.keys('r');
    const second = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('call 2 ·'),
      'the second call',
    );
    expect(second).toContain('MUTED');
    expect(second).not.toContain('mic live');
    expect(agent.calls).toHaveLength(2);
    await tui.keys('m');
    await tui.waitForScreen((s) => s.includes('mic live') && !s.includes('MUTED'), 'unmuted');
  }, 60_000);
});

describe('m before the call is up', () => {
  it('m while the call is being created mutes the call it makes, shown and said; i says why it did nothing', async () => {
    const agent = await localAgent();
    const proxy = await startCreateHoldingProxy(agent.port);
    agents.push(proxy);
    proxy.holdCreates();
    const home = tempDir('omnia-early-mute-');
    const tui = await app(['--api-base', proxy.baseUrl, '--agent', 'demo'], home);
    const creating = await tui.waitForScreen(
      (s) => s.includes('creating call') && s.includes('mic off'),
      'the call being created',
    );
    // The info pane names the agent being called, as the header does; there is no call yet.
    expect(creating).toMatch(/│agent +demo\s/);
    expect(creating).toMatch(/│call +—/);
    // It was dropped without a word, and the call came up with the mic live.
    await tui.keys('m');
    await tui.waitForScreen(
      (s) => s.includes('not connected yet: the call starts muted') && s.includes('MUTED'),
      'the mute, shown and said',
    );
    await tui.keys('i');
    await tui.waitForScreen(
      (s) => s.includes('not connected yet: there is nothing to interrupt'),
      'why i did nothing',
    );
    proxy.releaseCreates();
    const live = await tui.waitForScreen(isLive, 'the call to be live');
    expect(live).toContain('MUTED');
    expect(live).not.toContain('mic live');
    expect(agent.calls).toHaveLength(1);
  }, 60_000);

  it('m while r calls again sets the mic of the call it makes: unmuted, the new call is not muted', async () => {
    const agent = await localAgent();
    const proxy = await startCreateHoldingProxy(agent.port);
    agents.push(proxy);
    const home = tempDir('omnia-early-mute-');
    const tui = await app(['--api-base', proxy.baseUrl, '--agent', 'demo'], home);
    await tui.waitForScreen((s) => isLive(s) && s.includes('mic live'), 'the first call');
    await tui.keys('m');
    await tui.waitForScreen((s) => s.includes('MUTED') && isLiveASecond(s), 'muted');
    proxy.holdCreates();
    await tui.keys('r');
    await tui.waitForScreen(
      (s) => s.includes('calling again…') && proxy.held > 0,
      'the second call being created',
    );
    expect(await tui.capture()).toContain('MUTED');
    // Dropped, it left the new call muted.
    await tui.keys('m');
    await tui.waitForScreen(
      (s) =>
        s.includes('not connected yet: the call starts with the mic live') && !s.includes('MUTED'),
      'the mute off, shown and said',
    );
    proxy.releaseCreates();
    const second = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('call 2 ·'),
      'the second call',
    );
    expect(second).toContain('mic live');
    expect(second).not.toContain('MUTED');
    expect(agent.calls).toHaveLength(2);
  }, 60_000);
});

describe('r tapped twice', () => {
  it('makes one call: r on a call that has only just started calls no one, and says so', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-redial-');
    const tui = await app(['--api-base', agent.baseUrl, '--agent', 'demo'], home);
    await tui.waitForScreen((s) => isLiveASecond(s), 'the first call, a second old');
    // Three taps, 60 ms apart: the local agent creates a call in less than that.
    for (let i = 0; i < 3; i++) {
      await tui.keys('r');
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await tui.waitForScreen((s) => isLive(s) && s.includes('call 2 ·'), 'the second call');
    // And once more as soon as it is live.
    await tui.keys('r');
    await tui.waitForScreen((s) => s.includes('this call has only just started'), 'the notice');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(agent.calls).toHaveLength(2);
    expect(await tui.capture()).not.toContain('call 3 ·');
    // A second on, r calls again.
    await tui.keys('r');
    await tui.waitForScreen((s) => isLive(s) && s.includes('call 3 ·'), 'the third call');
    expect(agent.calls).toHaveLength(3);
  }, 60_000);

  it('rrr in one read makes one call; the other two say so, until that call is live', async () => {
    const agent = await localAgent();
    const proxy = await startCreateHoldingProxy(agent.port);
    agents.push(proxy);
    const home = tempDir('omnia-redial-rrr-');
    const tui = await app(['--api-base', proxy.baseUrl, '--agent', 'demo'], home);
    await tui.waitForScreen((s) => isLiveASecond(s), 'the first call, a second old');
    // `rrr` in one read (three taps while the app was busy): keys, not a paste: one call, and
    // the other r's say why they called no one while it is being made.
    proxy.holdCreates();
    await tui.keys('-H', '72', '72', '72');
    await tui.waitForScreen(
      (s) => s.includes('already calling again: one call at a time') && proxy.held > 0,
      'the second r of the read, the call being made',
    );
    proxy.releaseCreates();
    await tui.waitForScreen((s) => isLive(s) && s.includes('call 2 ·'), 'the second call');
    // Live: the notice is done with. Left standing for its 5 s, it read as if the app were
    // still dialling.
    await tui.waitForScreen(
      (s) => isLive(s) && !s.includes('already calling again'),
      'the notice gone with the call live',
      1_500,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(agent.calls).toHaveLength(2);
  }, 60_000);
});

describe('the events pane after a redial', () => {
  it('at 80x24, [ scrolls back to the earlier call and ] comes back to the newest', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-events-scroll-');
    const tui = await startTui({
      args: ['--api-base', agent.baseUrl, '--agent', 'demo', '--input', 'none', '--output', 'none'],
      env: cliEnv(home, { OMNIA_API_KEY: KEY, TERM: 'screen' }),
      cwd: home,
      width: 80,
      height: 24,
      wrapInShell: true,
    });
    await tui.waitForScreen((s) => isLiveASecond(s), 'the first call, a second old');
    await tui.keys('r');
    await tui.waitForScreen((s) => isLiveASecond(s) && s.includes('call 2 ·'), 'the second call');
    await tui.keys('d');
    // Four rows of events: the first call's are out of sight, and the title says so.
    const newest = await tui.waitForScreen(
      (s) => /^Events \(\d+\) ↑ \d+ more · \[ scrolls back · d to hide/m.test(s),
      'the pane, with what is above it',
    );
    expect(newest).not.toMatch(/^── call 1/m);
    // Page back until the first call's divider is in the pane.
    let back = newest;
    for (let i = 0; i < 20 && !/^── call 1 · Demo \(demo\) · ended/m.test(back); i++) {
      await tui.keys('[');
      back = await tui
        .waitForScreen((s) => s !== back, 'the pane scrolled back', 2_000)
        .catch(() => tui.capture());
    }
    expect(back).toMatch(/^── call 1 · Demo \(demo\) · ended/m);
    expect(back).toMatch(
      /^Events \(\d+\)( ↑ \d+ more)? ↓ \d+ newer · \[ \] scroll, \] to the newest/m,
    );
    // The transcript did not move: its keys are its own.
    expect(screenLines(back)[1]).toBe(screenLines(newest)[1]);
    // ] pages on to the newest, and the pane follows new events again.
    for (let i = 0; i < 20 && /↓ \d+ newer/.test(back); i++) {
      await tui.keys(']');
      back = await tui
        .waitForScreen((s) => s !== back, 'the pane scrolled on', 2_000)
        .catch(() => tui.capture());
    }
    expect(back).not.toMatch(/↓ \d+ newer/);
    expect(back).toMatch(/^Events \(\d+\) ↑ \d+ more · \[ scrolls back · d to hide/m);
  }, 60_000);
});

describe('the call record', () => {
  it('is fetched after the call with a line on screen that any key skips', async () => {
    // Omnia fills a record in a few seconds after the call: here it stays incomplete long
    // enough to see the line and skip it.
    const omnia = await double({
      recordDelayMs: 30_000,
      agents: [
        { id: 'agt_front', name: 'Front desk', firstSpeaker: 'agent', greeting: 'Welcome!' },
      ],
    });
    const home = tempDir('omnia-record-');
    const tui = await app(['--api-base', omnia.baseUrl, '--agent', 'agt_front'], home);
    await tui.waitForScreen(isLive, 'the call');
    await tui.keys('q');
    await tui.waitForScreen(
      (s) => s.includes('fetching the call record… (any key skips)'),
      'the record line',
    );
    await tui.keys('x');
    const end = await tui.waitForScreen(
      (s) => exitCodeOf(s) !== undefined,
      'the app to end',
      20_000,
    );
    expect(exitCodeOf(end)).toBe(0);
    expect(end).toMatch(/Call record: skipped; later: omnia-voice calls show \S+/);
  }, 60_000);
});

describe('warnings printed before the screen took over', () => {
  it('a .env line dropped is said on the first call too, and kept in the events', async () => {
    const agent = await localAgent();
    const home = tempDir('omnia-env-warning-');
    writeFileSync(join(home, '.env'), 'OMNIA_AGENT_ID concierge\n');
    const tui = await app(['--api-base', agent.baseUrl, '--agent', 'demo'], home);
    const said = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('warning: Ignoring line 1 of'),
      'the warning on screen',
    );
    expect(said).toMatch(/warning: Ignoring line 1 of .*\.env: it is not/);
    await tui.keys('d');
    await tui.waitForScreen((s) => /Ignoring line 1 of/.test(s) && s.includes('Events'), 'events');
    await tui.keys('q');
  }, 60_000);
});
