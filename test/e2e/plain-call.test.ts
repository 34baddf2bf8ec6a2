import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { CLI_PATH, cliEnv, runCli, startCli, tempDir, waitFor, writeTemp } from '../helpers/cli.js';
import { audibleMs, monoWav, silence, tone } from '../helpers/signal.js';

const RATE = 16_000;

/** A WAV "utterance": silence, 1.2 s of a loud tone (the local agent hears speech), silence. */
function utteranceWav(): Buffer {
  const pcm = Buffer.concat([
    silence(3_000, RATE),
    tone(300, 1_200, RATE, 0.4),
    silence(500, RATE),
  ]);
  return monoWav(pcm, RATE);
}

/**
 * A user who talks quietly from the first moment (over the store's speech threshold, under the
 * local agent's, so the greeting is not cut), then says one loud utterance and stops: one
 * utterance to answer, and the greeting starts while the user is already "speaking".
 */
function talkOverGreetingWav(): Buffer {
  // A sine's RMS is amplitude/√2: 0.0106 is -42.5 dBFS, between -45 (the app) and -40 (the agent).
  const pcm = Buffer.concat([
    tone(220, 3_000, RATE, 0.0106),
    tone(300, 1_200, RATE, 0.4),
    silence(500, RATE),
  ]);
  return monoWav(pcm, RATE);
}

describe('a whole call in plain mode through the built CLI', () => {
  it('response latency counts the reply to the user, not the greeting that began while the user spoke', async () => {
    const home = tempDir();
    const input = writeTemp(home, 'in.wav', talkOverGreetingWav());
    const transcript = join(home, 'call.json');
    const result = await runCli(
      [
        '--plain',
        '--input',
        input,
        '--output',
        'none',
        '--sample-rate',
        String(RATE),
        '--duration',
        '9',
        '--transcript',
        transcript,
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const all = result.stdout + result.stderr;
    // The greeting played, and one user utterance was answered.
    expect(all).toMatch(/Turns: \d+ \(user 1, agent [2-9]\)/);
    const line = /Response latency: median (\d+) ms, worst (\d+) ms \((\d+) turns?\)/.exec(all);
    expect(line, all).not.toBeNull();
    expect(Number(line![3])).toBe(1);
    // The reply waits for the agent's end of speech (600 ms of quiet) and its think pause: the
    // greeting's "latency" was the tens of ms since the user's last quiet frame.
    expect(Number(line![1])).toBeGreaterThan(500);
    const doc = JSON.parse(readFileSync(transcript, 'utf8')) as {
      summary: { latencyCount: number; medianLatencyMs: number };
    };
    expect(doc.summary.latencyCount).toBe(1);
    expect(doc.summary.medianLatencyMs).toBe(Number(line![1]));
  }, 60_000);

  it('streams a WAV in, plays the agent into a WAV out, and keeps a transcript', async () => {
    const home = tempDir();
    const input = writeTemp(home, 'in.wav', utteranceWav());
    const output = join(home, 'out.wav');
    const transcript = join(home, 'call.txt');
    const durationS = 9;
    const result = await runCli(
      [
        '--plain',
        '--input',
        input,
        '--output',
        output,
        '--sample-rate',
        String(RATE),
        '--duration',
        String(durationS),
        '--transcript',
        transcript,
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(result.stderr).toContain('built-in local agent');
    expect(result.code, result.stderr).toBe(0);

    // Plain output: state changes and final lines from both sides.
    expect(result.stdout).toMatch(/^\[state\] (listening|speaking)/m);
    expect(result.stdout).toMatch(/^Agent: .+/m);
    expect(result.stdout).toMatch(/^User: .+/m);

    // The output WAV is what a sound card would have played: paced in real time, silence
    // included, so it lasts about as long as the call; and the agent was audible in it.
    const wav = parseWav(readFileSync(output));
    expect(wav.sampleRate).toBe(RATE);
    const seconds = wav.data.length / 2 / RATE;
    expect(seconds).toBeGreaterThan(durationS - 2.5);
    expect(seconds).toBeLessThan(durationS + 2.5);
    expect(audibleMs(wav.data, RATE)).toBeGreaterThan(300);

    // The transcript file holds the same conversation.
    const text = readFileSync(transcript, 'utf8');
    expect(text).toMatch(/^Agent: .+/m);
    expect(text).toMatch(/^User: .+/m);
  }, 60_000);

  it('each line on stdin is a typed message; the end of stdin ends nothing', async () => {
    const home = tempDir();
    const transcript = join(home, 'call.txt');
    const child = spawn(
      process.execPath,
      [
        CLI_PATH,
        '--plain',
        '--duration',
        '12',
        '--input',
        'none',
        '--output',
        'none',
        '--transcript',
        transcript,
      ],
      { env: cliEnv(home), cwd: home, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stdout.includes('[call] connected') || undefined, { what: 'the call' });
    child.stdin.end('hello there\n\n  and one more  \n');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/^User \(typed\): hello there$/m);
    expect(stdout).toMatch(/^Agent: You typed: hello there$/m);
    expect(stdout).toMatch(/^User \(typed\): and one more$/m);
    expect(stdout).toMatch(/^Agent: You typed: and one more$/m);
    // Closing stdin did not end the call: it ran to --duration.
    expect(readFileSync(transcript, 'utf8')).toMatch(/--duration 12s reached/);
  }, 40_000);

  it('hangs up on SIGTERM, exits 0, writes a valid WAV; -v prints events and levels', async () => {
    const home = tempDir();
    const output = join(home, 'out.wav');
    const run = startCli(['--plain', '-v', '--input', 'none', '--output', output], {
      env: cliEnv(home),
    });
    await waitFor(() => run.output().stdout.includes('[call] connected'), {
      what: 'connected',
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    run.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => run.child.on('close', resolve));
    expect(code, run.output().stderr).toBe(0);
    const wav = parseWav(readFileSync(output));
    expect(wav.data.length).toBeGreaterThan(0);
    // --verbose adds protocol events and a level line a second (the agent's greeting is loud).
    const { stdout } = run.output();
    expect(stdout).toMatch(/^\[protocol\] state speaking/m);
    expect(stdout).toMatch(/^\[level\] mic -96\.0 dBFS .* agent -?\d+\.\d dBFS/m);
  }, 40_000);

  it('exits 2 for bad usage and 1 when the call cannot be created', async () => {
    const home = tempDir();
    const bad = await runCli(['--sample-rate', 'fast'], { env: cliEnv(home) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /Invalid value for --sample-rate: "fast"\. Allowed: an integer from 8000 to 48000/,
    );

    const key = 'sk_test_DISTINCTIVE_KEY_9f3a';
    const refused = await runCli(['--plain', '--agent', 'a1', '--api-base', 'http://127.0.0.1:9'], {
      env: cliEnv(home, { OMNIA_API_KEY: key }),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Could not create the call/);
    expect(refused.stderr + refused.stdout).not.toContain(key);
  }, 40_000);
});

describe('npm start', () => {
  it('passes SIGTERM through to the app, which hangs up, and passes its exit code back', async () => {
    const home = tempDir();
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const npm = spawn(
      'npm',
      ['start', '-s', '--', '--plain', '--input', 'none', '--output', 'none'],
      {
        cwd: root,
        env: cliEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    npm.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    npm.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => stdout.includes('[call] connected'), {
      what: 'connected',
      timeoutMs: 40_000,
    });
    npm.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => npm.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Ended: stopped by SIGTERM/);
  }, 60_000);
});
