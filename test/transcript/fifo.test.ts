/**
 * `--transcript` to a FIFO nothing reads: the end of the call opened it with a blocking open,
 * which waited in the kernel for a reader for ever, deaf to Ctrl+C and SIGTERM (the process sat
 * in `wait_for_partner`). Now the app says at the start that nothing reads it, waits a bounded
 * time at the end for a reader (one that comes late still gets the transcript), any signal
 * stops that wait, and the summary says the transcript was not saved, and why. Through the
 * built CLI and the built-in local agent.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, startCli, tempDir, waitFor } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--no-call-record'];

/** Processes a test started; killed after it, whatever happened (a hung run must not stay). */
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A FIFO in a new folder. */
function fifoIn(prefix: string): { home: string; fifo: string } {
  const home = tempDir(prefix);
  const fifo = join(home, 'ff');
  execFileSync('mkfifo', [fifo]);
  return { home, fifo };
}

/** A call of `seconds` with `--transcript <fifo>`, started; resolves its exit once it ends. */
function callInto(fifo: string, home: string, seconds: number, env: Record<string, string> = {}) {
  const run = startCli([...CALL, '--duration', String(seconds), '--transcript', fifo], {
    env: cliEnv(home, env),
  });
  started.push(run.child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    run.child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { ...run, exited };
}

/** Resolves with what `promise` gives, or rejects after `ms` saying `what` (the app hung). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`hung: ${what}`)), ms)),
  ]);
}

describe('--transcript to a FIFO nothing reads', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} after the call ended stops the wait for a reader at once; the summary says it was not saved`, async () => {
      const { home, fifo } = fifoIn('omnia-fifo-signal-');
      const run = callInto(fifo, home, 2);
      // The call is over and its end waits for a reader (10 s by default).
      await waitFor(() => /^Agent: Hello!.* \[interrupted\]$/m.test(run.output().stdout), {
        what: 'the call to end',
        timeoutMs: 20_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      run.child.kill(signal);
      const { code } = await within(run.exited, 4_000, `${signal} while waiting for a reader`);
      expect(code).toBe(0);
      const { stdout, stderr } = run.output();
      expect(stdout).toContain(
        `[warning] nothing reads from ${fifo} yet: the transcript goes to it when the call ends, if something reads it by then (the end waits 10 s for a reader)`,
      );
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `Transcript: NOT saved: could not write transcript ${fifo}: nothing reads from it (the wait for a reader was stopped)`,
      );
    }, 40_000);
  }

  it('with no signal, the wait is bounded: the run ends and says nothing read it', async () => {
    const { home, fifo } = fifoIn('omnia-fifo-bounded-');
    const run = callInto(fifo, home, 1, { OMNIA_FIFO_WAIT_MS: '1500' });
    const { code } = await within(run.exited, 25_000, 'the bounded wait');
    expect(code).toBe(0);
    const { stdout, stderr } = run.output();
    expect(stdout).toContain('(the end waits 1.5 s for a reader)');
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `Transcript: NOT saved: could not write transcript ${fifo}: nothing reads from it (waited 1.5 s for a reader)`,
    );
  }, 40_000);

  it('a reader that comes after the call ended still gets the transcript, whole', async () => {
    const { home, fifo } = fifoIn('omnia-fifo-late-');
    const run = callInto(fifo, home, 2);
    await waitFor(() => /^Agent: Hello!.* \[interrupted\]$/m.test(run.output().stdout), {
      what: 'the call to end',
      timeoutMs: 20_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(reader);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => {
      got += d.toString();
    });
    const read = new Promise((resolve) => reader.on('close', resolve));
    const { code } = await within(run.exited, 15_000, 'the late reader');
    await within(read, 5_000, 'cat to see the end');
    expect(code).toBe(0);
    expect(got).toMatch(/^# Omnia Voice call/);
    expect(got).toMatch(/^- Ended: --duration 2s reached$/m);
    expect(run.output().stderr.trim().split('\n').at(-1)).toBe(`Transcript: ${fifo}`);
  }, 40_000);
});
