/**
 * Defects users met, each tried again through the built CLI as they met it: a transcript saved
 * with `s` that stopped at the save, plain mode printing turns out of order, messages that
 * repeated themselves or carried a native library's words, and a help overlay that said
 * "(also help)".
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav, wavHeader } from '../../source/audio/wav.js';
import { startLocalAgent } from '../../source/local-agent/index.js';
import { helpRows } from '../../source/ui/keymap.js';
import { CLI_PATH, cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';
import { type CallFixture, startCall } from '../tui/fixtures.js';
import { isLive, killAllTuis, startTui, type Tui } from '../tui/tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

async function startApp(args: string[], env: Record<string, string> = {}): Promise<Tui> {
  call = await startCall();
  const tui = await startTui({
    args: [...call.args, ...args],
    env: call.env(env),
    cwd: call.home,
    wrapInShell: true,
  });
  await tui.waitForScreen(isLive, 'the call to be live');
  return tui;
}

describe('a transcript saved with s', () => {
  it('follows the call until it ends: what is said after the save is in the file', async () => {
    const dir = join(tempDir('omnia-saved-'), 'transcripts');
    const tui = await startApp(['--input', 'none', '--output', 'none'], {
      OMNIA_TRANSCRIPT_DIR: dir,
      OMNIA_TRANSCRIPT_FORMAT: 'md',
    });
    await tui.waitForScreen((s) => s.includes('listening'), 'the greeting to end');
    await tui.keys('s');
    await tui.waitForScreen((s) => s.includes('transcript saved to'), 'the saved notice');
    const [name] = readdirSync(dir);
    const path = join(dir, name ?? '');
    expect(readFileSync(path, 'utf8')).toContain('Duration:** in progress');

    await tui.keys('t');
    await tui.waitForScreen((s) => s.includes('say:'), 'the message line');
    await tui.type('after the save');
    await tui.keys('Enter');
    await tui.waitForScreen(
      (s) => s.includes('You typed: after the save') && s.includes('listening'),
      'the answer, said whole',
    );
    await tui.keys('q');
    await tui.waitForScreen((s) => s.includes('EXITED:0'), 'the app to end', 20_000);

    const text = readFileSync(path, 'utf8');
    expect(text).toContain('after the save');
    expect(text).toContain('You typed: after the save');
    expect(text).not.toContain('Duration:** in progress');
    expect(text).toMatch(/Duration:\*\* \d/);
    expect(readdirSync(dir)).toEqual([name]);
  }, 60_000);
});

describe('plain mode', () => {
  it('prints the greeting the call cut off, marked, and no farewell after the hang-up', async () => {
    const home = tempDir();
    const result = await runCli(
      [
        '--plain',
        '--duration',
        '4',
        '--input',
        'none',
        '--output',
        'none',
        '--transcript',
        'call.json',
        '--no-call-record',
      ],
      {
        env: cliEnv(home),
        timeoutMs: 30_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    // The greeting cut by the call's end, printed at the end, is the only turn: the app's
    // hang_up carries no farewell, so the agent said nothing after it (a `Goodbye!` stood here,
    // and in every file, as a turn the user heard).
    const lines = result.stdout.split('\n').filter((l) => /^(Agent|User)/.test(l));
    expect(lines, result.stdout).toEqual([
      expect.stringMatching(/^Agent: Hello! .* \[interrupted\]$/),
    ]);
    expect(result.stderr).toMatch(
      /^Turns: 1 \(user 0, agent 1\), interruptions: 0; a reply was cut off by the call's end$/m,
    );
    const doc = JSON.parse(readFileSync(join(home, 'call.json'), 'utf8'));
    expect(doc.turns).toHaveLength(1);
    expect(doc.turns[0]).toMatchObject({ role: 'agent', interrupted: true });
    expect(doc.summary).toMatchObject({ turns: 1, userTurns: 0, agentTurns: 1 });
  }, 40_000);
});

describe('plain mode, a reply cut off by the user', () => {
  it('prints the words that were heard, as the transcript file has them, not those streamed ahead', async () => {
    const agent = await startLocalAgent({ voice: 'espeak' });
    try {
      const home = tempDir('omnia-plain-cut-');
      // A second of quiet, then a voice (loud noise) over the greeting for a second.
      const rate = 16_000;
      const pcm = Buffer.alloc(rate * 2 * 4);
      for (let i = rate; i < rate * 2; i++)
        pcm.writeInt16LE(Math.round((Math.random() - 0.5) * 20_000), i * 2);
      writeFileSync(
        join(home, 'talk.wav'),
        Buffer.concat([wavHeader({ sampleRate: rate, channels: 1, dataBytes: pcm.length }), pcm]),
      );
      const result = await runCli(
        ['--plain', '--api-base', agent.baseUrl, '--duration', '5', '--input', 'talk.wav'].concat([
          '--output',
          'none',
          '--transcript',
          'call.txt',
        ]),
        {
          env: cliEnv(home, { OMNIA_API_KEY: 'sk-test-plain-cut', OMNIA_AGENT_ID: 'concierge' }),
          timeoutMs: 30_000,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const cut = (text: string) => text.split('\n').filter((l) => l.endsWith('[interrupted]'));
      const printed = cut(result.stdout);
      // The greeting talked over, and at most the reply --duration cuts, if it got that far.
      expect(printed[0], result.stdout).toMatch(/^Agent: Good evening, .*\[interrupted\]$/);
      expect(printed.length, result.stdout).toBeLessThanOrEqual(2);
      if (printed[1] !== undefined) expect(printed[1]).toMatch(/^Agent: I heard you/);
      expect(printed).toEqual(cut(readFileSync(join(home, 'call.txt'), 'utf8')));
    } finally {
      await agent.close();
    }
  }, 40_000);
});

describe('when no audio output can be opened', () => {
  /** A HOME whose ALSA has no device at all, and a PATH without sox. */
  function noOutput(): { home: string; env: NodeJS.ProcessEnv } {
    const home = tempDir('omnia-nodev-');
    const bin = join(home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(home, '.asoundrc'), 'pcm.!default { type hw card 99 }\n');
    // Nothing on PATH: no sox (the app and its speaker child are started by absolute path).
    return { home, env: cliEnv(home, { PATH: bin }) };
  }

  it('says so in one sentence, without the native libraries’ words (those are in -v)', async () => {
    const { env } = noOutput();
    const plain = await runCli(
      ['--plain', '--duration', '2', '--input', 'none', '--output', 'speaker'],
      {
        env,
        timeoutMs: 30_000,
      },
    );
    expect(plain.code, plain.stderr).toBe(0);
    const lines = `${plain.stdout}\n${plain.stderr}`
      .split('\n')
      .filter((l) => /no audio output/.test(l));
    expect(lines, plain.stdout + plain.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[error\] no audio output: .+; the call goes on without sound \(.+\)$/,
    );
    expect(lines[0]).not.toMatch(/no audio output.*no audio output|pcm|ALSA|Assertion|speaker:/i);

    const verbose = await runCli(
      ['--plain', '-v', '--duration', '4', '--input', 'none', '--output', 'speaker'],
      {
        env,
        timeoutMs: 30_000,
      },
    );
    expect(verbose.stdout).toMatch(/^\[debug\] speaker: .+; sox: .+$/m);
    // The agent speaks, and no one hears it: its level is silence, not what it sent.
    expect(verbose.stdout).toMatch(/^\[protocol\] state speaking/m);
    const levels = verbose.stdout.split('\n').filter((l) => l.startsWith('[level]'));
    expect(levels.length, verbose.stdout).toBeGreaterThan(1);
    for (const line of levels) expect(line).toContain('agent -96.0 dBFS (peak -96.0)');
  }, 60_000);
});

describe('when the speaker will not load and sox plays instead', () => {
  /** A HOME whose ALSA default device writes to a file: sox play has a device to open. */
  function fileDeviceHome(): string {
    const home = tempDir('omnia-soxplay-');
    writeFileSync(
      join(home, '.asoundrc'),
      `pcm.!default { type file slave.pcm "null" file "${join(home, 'out.raw')}" format "raw" }\n`,
    );
    return home;
  }

  it('says so on the screen, not only in the events; plain mode prints it as before', async () => {
    const env = { OMNIA_VOICE_DISABLE_SPEAKER: '1', HOME: fileDeviceHome() };
    call = await startCall();
    const tui = await startTui({
      args: [...call.args, '--input', 'none', '--output', 'speaker'],
      env: call.env(env),
      cwd: call.home,
    });
    // Shown as the call starts, for a while (a toast), as the settings' warnings are.
    const screen = await tui.waitForScreen(
      (s) => s.includes('warning: playing through sox play'),
      'the fallback said on screen',
    );
    expect(screen).toContain(
      'warning: playing through sox play: the speaker module is unavailable (d shows why)',
    );
    expect(screen).toMatch(/out\s+sox play \(default\) · 48 kHz/);

    const fixture = call as CallFixture;
    const args = ['--plain', '--duration', '2', '--input', 'none', '--output', 'speaker'];
    const plain = await runCli([...args, ...fixture.args], {
      env: fixture.env(env),
      timeoutMs: 30_000,
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(`${plain.stdout}\n${plain.stderr}`).toMatch(
      /^\[warning\] playing through sox play: the speaker module is unavailable$/m,
    );
  }, 60_000);
});

describe('the help overlay', () => {
  it('says when a key works only where it adds something', async () => {
    for (const row of helpRows()) expect(row.when, row.keys).not.toMatch(/also help|help/);
    const tui = await startApp(['--input', 'none', '--output', 'none']);
    await tui.keys('?');
    const screen = await tui.waitForScreen((s) => s.includes('? or Esc to close'), 'the help');
    expect(screen).not.toContain('(also help)');
    // Space says what it does in this run (no --ptt here), not "(with --ptt)".
    expect(screen).toMatch(/Space\s+push-to-talk is off: start with --ptt to talk with Space/);
    expect(screen).not.toContain('(with --ptt)');
  }, 40_000);
});

describe('the events pane', () => {
  it('wraps a long event so it can be read to its end', async () => {
    // 100 columns: the events pane is the side pane's lower part, 38 columns wide.
    const tui = await startApp(['--input', 'none', '--output', 'none']);
    await tui.keys('d');
    await tui.waitForScreen((s) => /Events \(\d+\)/.test(s), 'the events pane');
    await tui.waitForScreen((s) => s.includes('speaking'), 'the agent speaking');
    await tui.keys('i');
    const screen = await tui.waitForScreen(
      (s) => s.includes('interrupted the'),
      'the interruption in the events',
    );
    // "interrupted the agent (N ms of agent audio dropped)" is longer than the pane is wide:
    // every word of it is on screen, over several rows.
    const pane = screen
      .split('\n')
      .map((l) => l.split('│')[1] ?? '')
      .join(' ');
    // (`: none of the reply was heard yet` after it when `i` came before the greeting was heard.)
    expect(pane).toMatch(/interrupted the\s+agent \(\d+ ms of agent\s+audio\s+dropped[):]/);
    expect(pane).not.toMatch(/interrupted the age…/);
  }, 40_000);
});

describe('--output FILE.wav', () => {
  it('is the output device for the whole call, silence included, in step with --record', async () => {
    const home = tempDir('omnia-wav-out-');
    const output = join(home, 'out.wav');
    const record = join(home, 'call.wav');
    const durationS = 6;
    const result = await runCli(
      [
        '--plain',
        '--duration',
        String(durationS),
        '--input',
        'none',
        '--output',
        output,
        '--record',
        record,
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const out = parseWav(readFileSync(output));
    const rec = parseWav(readFileSync(record));
    const outS = out.data.length / 2 / out.sampleRate;
    const recS = rec.data.length / 4 / rec.sampleRate;
    // The greeting ends well before the hang-up: the file still runs to the end of the call.
    expect(outS).toBeGreaterThan(durationS - 0.5);
    expect(outS).toBeLessThan(durationS + 0.5);
    expect(Math.abs(outS - recS)).toBeLessThan(0.1);
    // The agent starts at the same sample (within a few ms) in both.
    const outOnset = firstLoud(out.data, 1);
    const recOnset = firstLoud(rec.data, 2, 1);
    expect(outOnset).toBeGreaterThan(0);
    expect(Math.abs(outOnset - recOnset) / out.sampleRate).toBeLessThan(0.01);
  }, 60_000);
});

describe('a wrong file or spec is refused before any call', () => {
  const KEY = 'sk-test-preflight-123';

  it('says what is wrong with exit 2, and creates no call', async () => {
    const agent = await startLocalAgent({ voice: 'tone' });
    try {
      const home = tempDir('omnia-preflight-');
      writeFileSync(join(home, 'text.wav'), 'not audio at all');
      writeFileSync(join(home, 'afile'), 'a file where a folder should be');
      const speech = Buffer.concat([
        wavHeader({ sampleRate: 16_000, channels: 1, dataBytes: 3_200 }),
        Buffer.alloc(3_200, 7),
      ]);
      writeFileSync(join(home, 'in.wav'), speech);
      symlinkSync('in.wav', join(home, 'link.wav'));
      const PROMPT_CALL = ['--prompt', 'prompt.md', '--voice', 'Alex', '--language', 'en-us'];
      const promptText = 'You are a florist.\n';
      writeFileSync(join(home, 'prompt.md'), promptText);
      const toolsText = JSON.stringify({ tools: { lookup: { command: 'echo ok' } } });
      writeFileSync(join(home, 'tools.json'), toolsText);
      const env = cliEnv(home, { OMNIA_API_KEY: KEY, OMNIA_AGENT_ID: 'demo' });
      const cases: Array<[string[], RegExp]> = [
        [['--input', 'missing.wav'], /error: cannot read WAV file missing\.wav: no such file/],
        [['--input', 'text.wav'], /error: text\.wav: not a supported WAV file/],
        [['--input', home], /error: cannot read WAV file .*: it is a directory/],
        [
          ['--input', 'mick'],
          /error: Invalid value for --input: "mick"\. Did you mean mic\? Allowed: mic, mic:<device>/,
        ],
        [
          ['--output', 'speakr'],
          /error: Invalid value for --output: "speakr"\. Did you mean speaker\?/,
        ],
        [['--transcript', 'call.pdf'], /error: cannot tell the transcript format of "call\.pdf"/],
        [
          ['--transcript', 'afile/call.md'],
          /error: cannot write the transcript to afile\/call\.md: part of the path is a file/,
        ],
        // A folder that cannot be made under one that takes no new entries: a recursive
        // mkdir there spins for ever (Node 20-24), so this must come back at once.
        [
          ['--transcript', '/proc/omnia-nodir/call.md'],
          /error: cannot write the transcript to \/proc\/omnia-nodir\/call\.md: the folder \/proc\/omnia-nodir cannot be made there/,
        ],
        [['--record', 'afile/call.wav'], /error: cannot write the recording to afile\/call\.wav/],
        [['--output', 'afile/agent.wav'], /error: cannot write the agent's audio to afile/],
        // One file named twice: the recording would have been written over the user's input.
        [
          ['--input', 'in.wav', '--record', 'in.wav'],
          /error: --record names the input file \(in\.wav\): it would be written over/,
        ],
        [
          ['--input', 'link.wav', '--output', './in.wav'],
          /error: --output names the input file \(\.\/in\.wav\)/,
        ],
        [
          ['--transcript', 'call.md', '--record', `${home}/call.md`],
          /error: --transcript and --record name the same file/,
        ],
        // The files a call reads are not written over either: the prompt being tried, the tools.
        [
          [...PROMPT_CALL, '--transcript', 'prompt.md'],
          /^error: --transcript names the prompt file \(prompt\.md\): it would be written over; pick another file$/m,
        ],
        [
          ['--tools', 'tools.json', '--transcript', 'tools.json'],
          /^error: --transcript names the tools file \(tools\.json\): it would be written over/m,
        ],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(
          ['--plain', '--api-base', agent.baseUrl, '--input', 'none', '--output', 'none', ...args],
          { env, timeoutMs: 20_000 },
        );
        expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(agent.calls).toHaveLength(0);
      expect(readFileSync(join(home, 'in.wav')).equals(speech)).toBe(true);
      expect(readFileSync(join(home, 'prompt.md'), 'utf8')).toBe(promptText);
      expect(readFileSync(join(home, 'tools.json'), 'utf8')).toBe(toolsText);

      // A setting saved with `config set` is checked where it is written, and one already in
      // the file is refused by name before a call.
      const saved = await runCli(['config', 'set', 'input', 'mick'], { env });
      expect(saved.code).toBe(2);
      expect(saved.stderr).toContain('Invalid value for input: "mick"');
      const configFile = join(home, '.config', 'omnia-voice', 'config.json');
      mkdirSync(join(home, '.config', 'omnia-voice'), { recursive: true });
      writeFileSync(configFile, JSON.stringify({ output: 'speakr' }));
      const fromFile = await runCli(['--plain', '--api-base', agent.baseUrl, '--input', 'none'], {
        env,
        timeoutMs: 20_000,
      });
      expect(fromFile.code).toBe(2);
      expect(fromFile.stderr).toMatch(/Invalid value for output in .*config\.json: "speakr"/);
      expect(agent.calls).toHaveLength(0);
      // A flag does not make the file right: it stops every call until it is fixed.
      const overridden = await runCli(
        ['--plain', '--api-base', agent.baseUrl, '--input', 'none', '--output', 'none'],
        { env, timeoutMs: 20_000 },
      );
      expect(overridden.code).toBe(2);
      expect(overridden.stderr).toMatch(/Invalid value for output in .*config\.json/);
      expect((await runCli(['config', 'unset', 'output'], { env })).code).toBe(0);

      // A missing folder for an output WAV is made, as for the transcript and the recording.
      const made = await runCli(
        ['--plain', '--api-base', agent.baseUrl, '--input', 'none', '--duration', '1'].concat([
          '--output',
          'new/folder/agent.wav',
        ]),
        { env, timeoutMs: 30_000 },
      );
      expect(made.code, made.stderr).toBe(0);
      expect(parseWav(readFileSync(join(home, 'new', 'folder', 'agent.wav'))).sampleRate).toBe(
        48_000,
      );
      // Nothing printed names the key.
      for (const result of [saved, fromFile, made]) {
        expect(result.stdout + result.stderr).not.toContain(KEY);
      }
    } finally {
      await agent.close();
    }
  }, 120_000);

  it('a pipe as the input is not peeked at: the call streams it as before', async () => {
    const home = tempDir('omnia-pipe-input-');
    const pcm = Buffer.alloc(16_000 * 2);
    const wav = Buffer.concat([
      wavHeader({ sampleRate: 16_000, channels: 1, dataBytes: pcm.length }),
      pcm,
    ]);
    writeFileSync(join(home, 'in.wav'), wav);
    // A shell pipe (a FIFO), as `cat in.wav | omnia-voice --input /dev/stdin` makes one.
    const run = spawnSync(
      'sh',
      [
        '-c',
        `cat in.wav | "${process.execPath}" "${CLI_PATH}" --plain --duration 2 --input /dev/stdin --output none`,
      ],
      { env: cliEnv(home), cwd: home, encoding: 'utf8', timeout: 25_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('[call] connected');
  }, 30_000);

  it('the summary does not name a transcript file that could not be written', async () => {
    const home = tempDir('omnia-lost-transcript-');
    const run = startCli(
      ['--plain', '--duration', '4', '--input', 'none', '--output', 'none', '--transcript'].concat([
        'calls/call.md',
      ]),
      { env: cliEnv(home) },
    );
    const exited = new Promise<number | null>((resolve) => run.child.on('close', resolve));
    await waitFor(() => run.output().stdout.includes('connected') || undefined, {
      what: 'the call',
    });
    // The folder goes, and a file takes its place: no write can reach the transcript now.
    rmSync(join(home, 'calls'), { recursive: true });
    writeFileSync(join(home, 'calls'), 'in the way');
    expect(await exited).toBe(0);
    const { stderr } = run.output();
    expect(stderr).toMatch(
      /Transcript: NOT saved: could not write transcript calls\/call\.md: a part of the path is not a directory/,
    );
    expect(stderr).not.toMatch(/^Transcript: calls/m);
  }, 60_000);
});

/** Index (in frames) of the first sample of `channel` louder than -40 dBFS. */
function firstLoud(data: Buffer, channels: number, channel = 0): number {
  const frames = data.length / 2 / channels;
  for (let i = 0; i < frames; i++) {
    if (Math.abs(data.readInt16LE((i * channels + channel) * 2)) > 328) return i;
  }
  return -1;
}
