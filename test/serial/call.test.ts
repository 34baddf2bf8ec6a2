/**
 * Serial control of a real call (issue 13, item 6): the built CLI opens one end of a socat pty
 * pair as its serial device, the test plays the device on the other end, and a scripted Omnia
 * double hears the call. A command from the device must change what the server receives
 * (MUTE, PTT) or what the user hears (INTERRUPT, read back from the output WAV), not only call
 * the right action on a fake store (controller.test.ts covers that part).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WAV_HEADER_BYTES } from '../../source/audio/wav.js';
import { cliEnv, runCli, startCli, tempDir, waitFor, writeTemp } from '../helpers/cli.js';
import { goertzel, monoWav, rms, tone } from '../helpers/signal.js';
import { hostileEnv } from '../hostile/helpers.js';
import { type HostileCall, type HostileServer, startHostileServer } from '../hostile/server.js';
import { FakeDevice, type PtyPair, startPtyPair } from './pty.js';

const RATE = 16_000;
const BYTES_PER_S = RATE * 2;

let server: HostileServer | undefined;
let pty: PtyPair | undefined;
let device: FakeDevice | undefined;
let app: ReturnType<typeof startCli> | undefined;
afterEach(async () => {
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGKILL');
  }
  app = undefined;
  await device?.close();
  device = undefined;
  await pty?.kill();
  pty = undefined;
  await server?.close();
  server = undefined;
});

interface SerialCall {
  readonly app: NonNullable<typeof app>;
  readonly device: FakeDevice;
  readonly home: string;
  /** The server's side of the call, once the app has joined. */
  call(): HostileCall;
  /** Resolves with the app's exit code. */
  readonly exit: Promise<number | null>;
}

/** A plain call with `--serial` on a fresh pty pair, against a double running `script`. */
async function startSerialCall(
  home: string,
  args: string[],
  script: (call: HostileCall) => void | Promise<void>,
  more: { record?: 'hang'; env?: Record<string, string> } = {},
): Promise<SerialCall> {
  server = await startHostileServer({
    call: script,
    ...(more.record ? { record: more.record } : {}),
  });
  pty = await startPtyPair(home);
  device = await FakeDevice.open(pty.devicePath);
  const s = server;
  app = startCli(
    [
      '--plain',
      '-v',
      '--agent',
      'x',
      '--api-base',
      s.baseUrl,
      '--sample-rate',
      String(RATE),
      '--serial',
      pty.appPath,
      ...args,
    ],
    { env: { ...hostileEnv(home), ...more.env } },
  );
  const child = app.child;
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const d = device;
  // The app opened the port and told the device the call is live: serial control is on.
  await waitFor(() => d.lines.some((l) => /^STATE (idle|listening|thinking|speaking)$/.test(l)), {
    what: `a live STATE on the device (app said: ${app.output().stderr})`,
    timeoutMs: 20_000,
  });
  return {
    app,
    device: d,
    home,
    call: () => {
      const call = s.calls[0];
      if (!call) throw new Error('the app has not joined the call');
      return call;
    },
    exit,
  };
}

/** A server that answers and listens: the call stays open until the app hangs up. */
function listening(call: HostileCall): void {
  call.json({ type: 'call_started', callId: 'serial-call' });
  call.json({ type: 'state', state: 'listening' });
}

/** A 60 s loud 440 Hz tone as the mic (about -9 dBFS RMS): the server hears it unless muted. */
function loudMic(home: string): string {
  return writeTemp(home, 'mic.wav', monoWav(tone(440, 60_000, RATE, 0.5), RATE));
}

/**
 * Waits until the server has received `seconds` more audio, then returns the last `tailS` of
 * it: audio already on its way when a command was read may still arrive first, so look past it.
 */
async function heardNext(call: HostileCall, seconds: number, tailS: number): Promise<Buffer> {
  const want = call.received().length + Math.round(seconds * BYTES_PER_S);
  await waitFor(() => call.received().length >= want, { what: `${seconds} s more mic audio` });
  const audio = call.received();
  return audio.subarray(audio.length - Math.round(tailS * BYTES_PER_S));
}

/** Largest absolute sample. */
function peak(pcm: Buffer): number {
  let max = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) max = Math.max(max, Math.abs(pcm.readInt16LE(i)));
  return max;
}

/** How often `line` has come back from the app. */
const count = (d: FakeDevice, line: string) => d.lines.filter((l) => l === line).length;

describe('serial commands change what the server receives (built CLI, pty pair)', () => {
  it('MUTE sends digital silence while the call goes on; PTT talks through it; UNMUTE brings the mic back; HANGUP ends it', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(
      home,
      ['--input', loudMic(home), '--output', 'none'],
      listening,
    );
    expect(rms(await heardNext(c.call(), 0.5, 0.4))).toBeGreaterThan(0.2);

    await c.device.send('MUTE\n');
    await waitFor(() => c.device.lines.includes('MUTED 1'), { what: 'MUTED 1 on the device' });
    // Audio keeps coming (the server would end a call whose audio stops), all of it zeros.
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);

    // Without --ptt, the PTT button is a momentary talk button: live while held, then the
    // mute is back.
    await c.device.send('PTT_DOWN\n');
    await waitFor(() => c.device.lines.includes('PTT 1'), { what: 'PTT 1 on the device' });
    expect(rms(await heardNext(c.call(), 1, 0.5))).toBeGreaterThan(0.2);
    await c.device.send('PTT_UP\n');
    await waitFor(() => count(c.device, 'PTT 0') === 2 && count(c.device, 'MUTED 1') === 2, {
      what: 'PTT 0 and MUTED 1 again',
    });
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);

    await c.device.send('UNMUTE\n');
    // (Once when the call opened, once while PTT was held, once now.)
    await waitFor(() => count(c.device, 'MUTED 0') === 3, { what: 'MUTED 0 again' });
    expect(rms(await heardNext(c.call(), 1, 0.5))).toBeGreaterThan(0.2);

    await c.device.send('HANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);
    expect(c.call().got('hang_up')).toBe(true);
    expect(c.device.lines).toContain('STATE ended');
  }, 60_000);

  it('--ptt: silence until PTT_DOWN, the mic while it is held, silence again after PTT_UP', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(
      home,
      ['--ptt', '--input', loudMic(home), '--output', 'none'],
      listening,
    );
    // Push-to-talk starts released: the device is told, and the server hears nothing.
    expect(c.device.lines).toContain('MUTED 1');
    expect(c.device.lines).toContain('PTT 0');
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);

    await c.device.send('PTT_DOWN\n');
    await waitFor(() => c.device.lines.includes('PTT 1'), { what: 'PTT 1 on the device' });
    expect(rms(await heardNext(c.call(), 1, 0.5))).toBeGreaterThan(0.2);

    await c.device.send('PTT_UP\n');
    await waitFor(() => count(c.device, 'PTT 0') === 2, { what: 'PTT 0 again' });
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);

    // UNMUTE does not open a push-to-talk mic: only the held button does.
    await c.device.send('UNMUTE\n');
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);
    expect(count(c.device, 'MUTED 0')).toBe(1);

    await c.device.send('HANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);
    // Plain mode says each time the mic opened and closed, without --verbose.
    const stdout = c.app.output().stdout;
    expect(stdout.match(/^\[mic\] .*$/gm)).toEqual([
      '[mic] muted (push-to-talk)',
      '[mic] live',
      '[mic] muted (push-to-talk)',
    ]);
    expect(c.app.output().stderr).toMatch(/^Ended: you hung up \(serial device\)$/m);
  }, 60_000);
});

describe('a device that goes away mid-call (built CLI, pty pair)', () => {
  it('the call goes on, and its summary says when serial control went off and why', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(home, ['--input', 'none', '--output', 'none'], listening);
    const path = pty!.appPath;
    await pty!.kill();
    await waitFor(() => c.app.output().stdout.includes('disconnected'), {
      what: 'the disconnect said',
    });
    expect(c.app.output().stdout).toContain(
      `[error] serial device ${path} disconnected: it went away (unplugged, or reset); serial control is off`,
    );
    // The call goes on: ended from the keyboard's side, as a user would.
    c.app.child.kill('SIGINT');
    expect(await c.exit, c.app.output().stderr).toBe(0);
    // The summary, which outlasts the screen, says it too, with when.
    expect(c.app.output().stderr).toMatch(
      new RegExp(
        `^Serial: ${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&')} disconnected at 0:0\\d: it went away \\(unplugged, or reset\\); serial control was off from then on$`,
        'm',
      ),
    );
  }, 60_000);
});

describe('a device unplugged after the call ended', () => {
  it('is no part of the call: its summary says nothing of serial control', async () => {
    const home = tempDir('omnia-serial-call-');
    // The record never comes: the app waits for it after the call, the device still open.
    const c = await startSerialCall(
      home,
      ['--input', 'none', '--output', 'none', '--transcript', join(home, 't.jsonl')],
      listening,
      { record: 'hang', env: { OMNIA_RECORD_WAIT_MS: '4000' } },
    );
    await c.device.send('HANGUP\n');
    await waitFor(() => c.device.lines.includes('STATE ended'), { what: 'STATE ended' });
    await pty!.kill();
    expect(await c.exit, c.app.output().stderr).toBe(0);
    expect(c.app.output().stderr).toMatch(/^Ended: you hung up \(serial device\)$/m);
    expect(c.app.output().stderr).not.toContain('Serial:');
    // Nor an error in the call's events: nothing of the call was lost.
    const events = readFileSync(join(home, 't.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; kind?: string; message?: string })
      .filter((r) => r.type === 'event' && r.message?.includes('disconnected'));
    expect(events.map((e) => e.kind)).toEqual(['info']);
  }, 60_000);
});

describe('serial open errors (built CLI, the local agent)', () => {
  it('--serial naming a folder says so in words; the call runs without serial control', async () => {
    const home = tempDir('omnia-serial-call-');
    const result = await runCli(
      ['--plain', '--input', 'none', '--output', 'none', '--serial', home, '--duration', '2'],
      { env: cliEnv(home) },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `[error] serial control off: cannot open serial device ${home}: it is a folder, not a serial device (omnia-voice serial list shows the serial ports)`,
    );
    expect(result.stdout).not.toMatch(/Is a directory|cannot open .*, cannot open/);
    expect(result.stdout).toMatch(/^Agent: /m);
    // The summary says so too: the banner is gone with a full screen.
    expect(result.stderr).toContain(
      `Serial: off for the whole call: cannot open serial device ${home}: it is a folder, not a serial device`,
    );
  }, 30_000);
});

describe('serial open errors: a device that is not a terminal line', () => {
  it('--serial /dev/null, with /dev/null as stdin (a script), is not taken for the screen', async () => {
    // stdin is /dev/null here (no input given): its device matched, and the app said
    // "/dev/null is the terminal this app runs in" and refused the call.
    const home = tempDir('omnia-serial-call-');
    const result = await runCli(
      [
        '--plain',
        '--input',
        'none',
        '--output',
        'none',
        '--serial',
        '/dev/null',
        '--duration',
        '2',
      ],
      { env: cliEnv(home) },
    );
    expect(result.stdout + result.stderr).not.toContain('the terminal this app runs in');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '[error] serial control off: cannot open serial device /dev/null: not a serial device (no terminal line: a file, or another kind of device)',
    );
  }, 30_000);
});

describe('serial lines without a line end (built CLI, pty pair)', () => {
  it('a long line without a line end, then a pause, never swallows the next command, at any length', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(home, ['--input', 'none', '--output', 'none'], listening);
    // Each round: a toggle obeyed, then junk with no line end (at, just past and well past
    // the 256-character limit), a pause, and a toggle that must be obeyed too.
    const rounds = [256, 257, 300];
    let toggles = 0;
    const mutedLines = () => c.device.lines.filter((l) => /^MUTED [01]$/.test(l));
    for (const length of rounds) {
      await c.device.send(`MUTE_TOGGLE\n${'G'.repeat(length)}`);
      toggles++;
      await waitFor(() => mutedLines().length === toggles + 1, { what: `toggle ${toggles}` });
      await new Promise((r) => setTimeout(r, 1_000));
      await c.device.send('MUTE_TOGGLE\n');
      toggles++;
      await waitFor(() => mutedLines().length === toggles + 1, {
        what: `the toggle after ${length} characters without a line end (device got: ${mutedLines().join(', ')})`,
      });
    }
    expect(mutedLines()).toEqual([
      'MUTED 0',
      'MUTED 1',
      'MUTED 0',
      'MUTED 1',
      'MUTED 0',
      'MUTED 1',
      'MUTED 0',
    ]);
    // Each run of junk is one warning, nothing more, nothing of it lost without a word.
    const warnings = c.app
      .output()
      .stdout.match(/^\[warning\] serial device .* sent an unknown command: .*$/gm);
    expect(warnings).toHaveLength(rounds.length);
    for (const w of warnings ?? []) expect(w).toContain(`"${'G'.repeat(60)}…"`);
    await c.device.send('HANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);
  }, 60_000);
});

describe('noise on the serial line in plain mode (built CLI, pty pair)', () => {
  it('a burst of junk (a wrong baud rate) prints three warnings and a baud rate hint, not one per line', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(home, ['--input', 'none', '--output', 'none'], listening);
    // 3000 bytes of noise, as `head -c 3000 /dev/urandom` into the other end: ~25 junk lines.
    let seed = 4242;
    const noise = Buffer.alloc(3000);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      noise[i] = seed >>> 16;
    }
    await c.device.send(noise);
    await c.device.send('\nHANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);
    const warnings = c.app.output().stdout.match(/^\[warning\] serial device .*$/gm) ?? [];
    expect(warnings).toHaveLength(4);
    expect(warnings.slice(0, 3).every((w) => w.includes('sent an unknown command'))).toBe(true);
    expect(warnings[3]).toContain(
      'keeps sending garbled text, not commands: the app reads it at 115200 baud; ' +
        'if the device sends at another rate, give that with --serial-baud',
    );
  }, 30_000);
});

describe('the mute in --ptt mode (built CLI, pty pair)', () => {
  it('MUTE, UNMUTE and MUTE_TOGGLE reach a mute LED and the plain output; a talk press while muted says why the mic stays shut', async () => {
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(
      home,
      ['--ptt', '--input', loudMic(home), '--output', 'none'],
      listening,
    );
    const d = c.device;
    expect(d.lines).toContain('MUTE_SWITCH 0');
    // The talk button is up, so the mic is closed either way: the mute still shows.
    await d.send('MUTE\n');
    await waitFor(() => d.lines.includes('MUTE_SWITCH 1'), { what: 'MUTE_SWITCH 1' });
    // Pressed through the mute, the talk button does not open the mic, and says so.
    await d.send('PTT_DOWN\n');
    await waitFor(() => d.lines.includes('PTT 1'), { what: 'PTT 1' });
    expect(peak(await heardNext(c.call(), 1, 0.5))).toBe(0);
    await d.send('PTT_UP\n');
    await waitFor(() => count(d, 'PTT 0') === 2, { what: 'PTT 0 again' });
    const micLines = () => c.app.output().stdout.match(/^\[mic\] .*$/gm) ?? [];
    // (One change at a time: plain mode shows the mic as it is when it draws.)
    await waitFor(() => micLines().length === 4, {
      what: 'the [mic] line for the released button',
    });
    await d.send('UNMUTE\n');
    await waitFor(() => count(d, 'MUTE_SWITCH 0') === 2, { what: 'MUTE_SWITCH 0 again' });
    await d.send('MUTE_TOGGLE\n');
    await waitFor(() => count(d, 'MUTE_SWITCH 1') === 2, { what: 'MUTE_SWITCH 1 again' });
    // MUTED stays what it was: the mic was closed all along.
    expect(count(d, 'MUTED 0')).toBe(0);

    await d.send('HANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);
    expect(micLines()).toEqual([
      '[mic] muted (push-to-talk)',
      '[mic] muted (the mute is on: push-to-talk will not open the mic)',
      '[mic] muted (talk button held, but the mute is on: unmute to talk)',
      '[mic] muted (the mute is on: push-to-talk will not open the mic)',
      '[mic] muted (push-to-talk)',
      '[mic] muted (the mute is on: push-to-talk will not open the mic)',
    ]);
  }, 60_000);
});

/** The interrupted turn, the rest of it the server still streams, and the next turn. */
const FIRST_HZ = 440;
const REST_HZ = 1_000;
const NEXT_HZ = 1_320;
/** Analysis windows: 50 ms, so each tone above falls on a whole Goertzel bin at 16 kHz. */
const WINDOW_MS = 50;

/** Milliseconds of each 50 ms window of `pcm` in which `hz` is clearly present. */
function toneWindows(pcm: Buffer, hz: number): boolean[] {
  const bytes = (RATE / 1000) * WINDOW_MS * 2;
  const out: boolean[] = [];
  for (let at = 0; at + bytes <= pcm.length; at += bytes) {
    out.push(goertzel(pcm.subarray(at, at + bytes), hz, RATE) > 0.1);
  }
  return out;
}

const msOf = (windows: boolean[]) => windows.filter(Boolean).length * WINDOW_MS;

/** The samples of the output WAV written so far (the app keeps writing it during the call). */
function played(path: string): Buffer {
  if (!existsSync(path)) return Buffer.alloc(0);
  const data = readFileSync(path).subarray(WAV_HEADER_BYTES);
  return data.subarray(0, data.length & ~1);
}

describe('serial INTERRUPT (built CLI, pty pair)', () => {
  it('drops the queued agent audio and the rest of that turn; the next turn plays', async () => {
    let resume: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const home = tempDir('omnia-serial-call-');
    const c = await startSerialCall(
      home,
      ['--input', 'none', '--output', 'OUT.wav'],
      async (call) => {
        listening(call);
        // 8 s of the agent's turn at once, far ahead of real time: the app queues it.
        call.json({ type: 'state', state: 'speaking' });
        call.json({ type: 'transcript', role: 'agent', ordinal: 1, delta: 'a long story' });
        call.audio(tone(FIRST_HZ, 8_000, RATE, 0.4));
        await interrupted;
        // The server does not know of a local interrupt: it streams the rest of the turn...
        call.audio(tone(REST_HZ, 2_000, RATE, 0.4));
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          delta: ' goes on',
          final: true,
        });
        call.json({ type: 'state', state: 'listening' });
        // ...then the agent's next turn, which must play.
        call.json({ type: 'state', state: 'speaking' });
        call.json({ type: 'transcript', role: 'agent', ordinal: 2, text: 'next', final: true });
        call.audio(tone(NEXT_HZ, 1_000, RATE, 0.4));
        call.json({ type: 'state', state: 'listening' });
      },
    );
    const wav = join(c.home, 'OUT.wav');
    // The user hears the agent for a second, then presses the device's stop button.
    await waitFor(() => msOf(toneWindows(played(wav), FIRST_HZ)) >= 1_000, {
      what: 'a second of the agent in the output',
    });
    const before = c.device.lines.length;
    await c.device.send('INTERRUPT\n');
    await waitFor(() => /^\[info\] interrupted the agent \(\d+ ms/m.test(c.app.output().stdout), {
      what: 'the interrupt',
    });
    // The agent is silenced while the server still says it speaks: the device is told what the
    // user meets, the mic open and nobody talking, not `speaking`.
    await waitFor(() => c.device.lines.slice(before).includes('STATE listening'), {
      what: 'STATE listening on the device after INTERRUPT',
    });
    resume();
    await waitFor(() => msOf(toneWindows(played(wav), NEXT_HZ)) >= 800, {
      what: 'the next turn in the output',
      timeoutMs: 20_000,
    });
    await c.device.send('HANGUP\n');
    expect(await c.exit, c.app.output().stderr).toBe(0);

    const pcm = played(wav);
    const first = toneWindows(pcm, FIRST_HZ);
    const next = toneWindows(pcm, NEXT_HZ);
    // Most of the 8 s queued was never heard (all of it would be without the interrupt)...
    expect(msOf(first)).toBeGreaterThanOrEqual(1_000);
    expect(msOf(first)).toBeLessThan(5_000);
    // ...nor the rest of the interrupted turn, while the next turn played whole, after it.
    expect(msOf(toneWindows(pcm, REST_HZ))).toBe(0);
    expect(msOf(next)).toBeGreaterThanOrEqual(800);
    expect(first.lastIndexOf(true)).toBeLessThan(next.indexOf(true));
    expect(c.app.output().stdout).toMatch(/^Agent: a long story.*\[interrupted\]$/m);
  }, 60_000);
});
