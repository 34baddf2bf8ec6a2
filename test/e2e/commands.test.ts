/**
 * The helper commands and start-up choices a user meets first, through the built CLI (issue 13,
 * item 6): `--help`, `--version`, `devices`, `serve`, `serial list`, `config
 * list|get|set|unset|path`, `--local`, and plain mode chosen on its own when stdout or stdin is
 * not a terminal.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_MIC_PCM } from '../audio-capture/helpers.js';
import { CLI_PATH, cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';
import { KEY } from '../hostile/helpers.js';
import { type HostileServer, startHostileServer } from '../hostile/server.js';
import { PROMPT, Tmux } from '../hostile/tmux.js';
import { fakeUdevadm } from '../serial/udev.js';
import { shQuote } from '../tui/tmux.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Anything a terminal would act on: what plain output must never hold. */
const ESCAPE = '\u001b';
/** A short call with no audio devices. */
const QUIET_CALL = ['--input', 'none', '--output', 'none', '--duration', '3'];

let serve: ChildProcess | undefined;
let server: HostileServer | undefined;
let tmux: Tmux | undefined;
afterEach(async () => {
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  serve = undefined;
  tmux?.kill();
  tmux = undefined;
  await server?.close();
  server = undefined;
});

describe('--help and --version', () => {
  it('--help lists the options and commands the docs name, and no --api-key', async () => {
    const home = tempDir();
    const help = await runCli(['--help'], { env: cliEnv(home) });
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: omnia-voice /);
    // Every flag in the settings table of docs/configuration.md is in the help.
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const flags = [...doc.matchAll(/^\|[^|]+\|[^|]+\| `(--[a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(flags.length).toBeGreaterThanOrEqual(10);
    for (const flag of flags) expect(help.stdout, flag).toContain(`${flag} `);
    for (const option of [
      '--local',
      '--plain',
      '--duration',
      '--transcript',
      '--record',
      '--ptt',
    ]) {
      expect(help.stdout).toContain(`${option} `);
    }
    for (const command of ['serve', 'devices', 'config', 'serial']) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    }
    // There is deliberately no way to put the key on the command line.
    expect(help.stdout).not.toMatch(/--api-key|--key\b/);
  });

  it('--version prints the version of the package', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version'], { env: cliEnv(tempDir()) });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });
});

describe('devices', () => {
  it('lists a device the system defines, as input and output, with how to pick it', async () => {
    const home = tempDir();
    writeFileSync(join(home, '.asoundrc'), `${TEST_MIC_PCM}\n`);
    const result = await runCli(['devices'], { env: cliEnv(home) });
    expect(result.code, result.stderr).toBe(0);
    const [inputs, outputs] = result.stdout.split(/^Output devices/m);
    expect(inputs).toMatch(/^Input devices \(use --input mic:<id>\):$/m);
    expect(inputs).toMatch(/^ {2}testmic +Omnia test microphone$/m);
    expect(outputs).toMatch(/^ \(use --output speaker:<id> or sox:<id>\):$/m);
    expect(outputs).toMatch(/^ {2}testmic +Omnia test microphone$/m);
  });

  it('without alsa-utils says what to install, and still exits 0', async () => {
    const home = tempDir();
    const result = await runCli(['devices'], {
      env: cliEnv(home, { PATH: join(home, 'no-bin') }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Notes:$/m);
    expect(result.stdout).toMatch(/arecord not found: install alsa-utils/);
  });
});

describe('serial list', () => {
  it('prints the ports the system knows, one a line, with the manufacturer', async () => {
    const home = tempDir();
    // The system's answer, as udevadm gives it: two serial ports (one with a vendor name) and
    // a device that is not a serial port.
    const bin = fakeUdevadm(join(home, 'bin'));
    const result = await runCli(['serial', 'list'], {
      env: cliEnv(home, { PATH: `${bin}:${process.env.PATH}` }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('/dev/ttyACM0  Arduino LLC\n/dev/ttyUSB0\n');
  });

  it('with no ports, stdout stays empty for scripts and the note goes to stderr', async () => {
    const home = tempDir();
    const bin = fakeUdevadm(join(home, 'bin'), '');
    const result = await runCli(['serial', 'list'], {
      env: cliEnv(home, { PATH: `${bin}:${process.env.PATH}` }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^No serial ports found\./m);
  });
});

describe('config', () => {
  // Fourteen runs of the CLI, one after another: 35 s with both cores busy elsewhere.
  it('path, set, get, list and unset work on the file in the config directory', async () => {
    const home = tempDir();
    const env = cliEnv(home);
    const config = (...args: string[]) => runCli(['config', ...args], { env });
    const file = join(home, '.config', 'omnia-voice', 'config.json');

    const path = await config('path');
    expect(path.code).toBe(0);
    expect(path.stdout).toBe(`${file}\n`);

    // Defaults before anything is saved.
    expect((await config('get', 'sampleRate')).stdout).toBe('48000\n');
    expect((await config('list')).stdout).toMatch(/^sampleRate +48000 +\(default\)$/m);

    const set = await config('set', 'sample-rate', '16000');
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ sampleRate: 16000 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await config('get', 'sampleRate')).stdout).toBe('16000\n');
    const list = await config('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^sampleRate +16000$/m);
    expect(list.stdout).toMatch(/^agentId +\(not set\)$/m);
    expect(list.stdout).toContain(`File: ${file}`);

    const unset = await config('unset', 'sampleRate');
    expect(unset.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('sampleRate');
    expect((await config('get', 'sampleRate')).stdout).toBe('48000\n');

    // Mistakes are refused with exit 2 and leave the file as it was.
    const bad = await config('set', 'sampleRate', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/sampleRate/);
    const unknown = await config('get', 'volume');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('sampleRate');
    // A setting with no value and no default: nothing printed, exit 1.
    const agent = await config('get', 'agentId');
    expect(agent.code).toBe(1);
    expect(agent.stdout).toBe('');
  }, 120_000);

  it('a broken config file: path still answers, the rest exit 1 naming the file', async () => {
    const home = tempDir();
    const env = cliEnv(home);
    const file = join(home, '.config', 'omnia-voice', 'config.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{ "sampleRate": 16000,');
    const config = (...args: string[]) => runCli(['config', ...args], { env });
    const [path, list, get] = await Promise.all([
      config('path'),
      config('list'),
      config('get', 'sampleRate'),
    ]);
    expect(path).toMatchObject({ code: 0, stdout: `${file}\n` });
    for (const broken of [list, get]) {
      expect(broken.code, broken.stderr).toBe(1);
      expect(broken.stdout).toBe('');
      expect(broken.stderr).toContain(`The config file ${file} is not valid JSON`);
    }
    // Nothing was written over it.
    expect(readFileSync(file, 'utf8')).toBe('{ "sampleRate": 16000,');
  }, 60_000);

  it('list names keys of a hand-edited file that are no setting', async () => {
    const home = tempDir();
    const file = join(home, '.config', 'omnia-voice', 'config.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ leadMS: 80, sampleRate: 16000 }));
    const list = await runCli(['config', 'list'], { env: cliEnv(home) });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toBe(
      `warning: Ignoring "leadMS" in ${file}: not a setting (did you mean leadMs?). Remove it with: omnia-voice config unset leadMS\n`,
    );
    expect(list.stdout).toMatch(/^leadMs +60 +\(default\)$/m);
    expect(list.stdout).toMatch(/^sampleRate +16000$/m);
  }, 60_000);
});

describe('serve', () => {
  it('runs the local agent alone: a call against it works; SIGTERM stops it with 0', async () => {
    const home = tempDir();
    const running = startCli(['serve', '--voice', 'tone'], { env: cliEnv(home) });
    const child = running.child;
    serve = child;
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const out = () => running.output().stdout;
    const log = () => running.output().stderr;
    const base = await waitFor(
      () => /^omnia-voice local agent listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out())?.[1],
      { what: `the serve banner (${log()})` },
    );
    // The banner comes in one write; a pipe may still hand it over in pieces.
    await waitFor(() => out().includes('its agents:'), { what: 'the whole serve banner' });
    expect(out()).toContain(`talk to it:    omnia-voice --api-base ${base} --agent demo`);
    // docs/local-agent.md gives the same commands, with no key: it said `OMNIA_API_KEY=local
    // omnia-voice --api-base …`, as if one were needed.
    const doc = readFileSync(join(ROOT, 'docs/local-agent.md'), 'utf8');
    const block = doc.split('To talk to a separately running agent')[1]?.split('```')[1] ?? '';
    const docLines = block
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line !== '' && line !== 'sh');
    const bannerLines = out()
      .split('\n')
      .map((line) => /^ {2}(?:talk to it|its agents): +(.+)$/.exec(line)?.[1])
      .filter((line) => line !== undefined)
      .map((line) => line.replace(base, 'http://127.0.0.1:8787'));
    expect(bannerLines).toHaveLength(2);
    for (const line of bannerLines) expect(docLines).toContain(line);
    for (const line of docLines) expect(line).toMatch(/^omnia-voice /);

    // What the banner says to run works: no key needed against an explicit --api-base.
    const call = await runCli(['--plain', '--api-base', base, '--agent', 'demo', ...QUIET_CALL], {
      env: cliEnv(tempDir()),
      timeoutMs: 30_000,
    });
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toMatch(/^Agent: Hello! .+/m);
    expect(log()).toMatch(/call [0-9a-f-]+ created for agent demo/);
    expect(log()).toMatch(/call [0-9a-f-]+ ended \(close 1000\)/);

    child.kill('SIGTERM');
    expect(await exited, log()).toBe(0);
    expect(log()).toMatch(/local agent stopped/);
  }, 60_000);
});

describe('--local', () => {
  it('talks to the built-in agent even with a key and an API base configured', async () => {
    server = await startHostileServer();
    const home = tempDir();
    const result = await runCli(
      ['--local', '--plain', '--api-base', server.baseUrl, ...QUIET_CALL],
      {
        env: cliEnv(home, { OMNIA_API_KEY: KEY, OMNIA_AGENT_ID: 'support' }),
        timeoutMs: 30_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^Using the built-in local agent at http:\/\/127\.0\.0\.1:\d+ \(--local\)\.$/m,
    );
    // The local agent's greeting (a loaded machine may end the short call before all of it).
    expect(result.stdout).toMatch(/^Agent: Hello! I am the Omnia local/m);
    // Omnia (here its double) was never asked for a call, so the key went nowhere.
    expect(server.createRequests).toHaveLength(0);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  }, 40_000);
});

describe('plain mode without asking', () => {
  it('when stdout and stdin are pipes: plain lines, no escape sequences', async () => {
    const result = await runCli(QUIET_CALL, { env: cliEnv(tempDir()), timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\[call\] connected/m);
    expect(result.stdout).toMatch(/^Agent: Hello! /m);
    expect(result.stdout + result.stderr).not.toContain(ESCAPE);
  }, 40_000);

  /** A shell in a real terminal, where the app is started with a redirection. */
  function terminal(home: string): Tmux {
    tmux = new Tmux({ ...cliEnv(home), PS1: PROMPT, TERM: 'xterm-256color' });
    tmux.start();
    return tmux;
  }
  const app = (args: string[]) => [process.execPath, CLI_PATH, ...args].map(shQuote).join(' ');

  it('when stdout is a file in a terminal: the file gets plain lines, the screen no UI', async () => {
    const home = tempDir();
    const t = terminal(home);
    const file = join(home, 'out.txt');
    t.type(`${app(QUIET_CALL)} > ${shQuote(file)}; echo EXITED:$?`);
    await t.waitScreen((s) => s.includes('EXITED:0'), 'the app to end', 30_000);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[call\] connected/m);
    expect(text).toMatch(/^Agent: Hello! /m);
    expect(text).not.toContain(ESCAPE);
  }, 40_000);

  it('when stdin is not a terminal: plain lines on the screen, not the full-screen UI', async () => {
    const home = tempDir();
    const t = terminal(home);
    t.type(`${app(QUIET_CALL)} < /dev/null; echo EXITED:$?`);
    const screen = await t.waitScreen((s) => s.includes('EXITED:0'), 'the app to end', 30_000);
    expect(screen).toMatch(/^\[call\] connected/m);
    expect(screen).toMatch(/^\[state\] (listening|speaking)$/m);
    expect(screen).toMatch(/^Agent: Hello! /m);
  }, 40_000);
});
