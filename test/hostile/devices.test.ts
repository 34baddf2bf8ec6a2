/**
 * Issue 7, item 2, local side: the mic's sox dies, the speaker process dies, the serial device
 * vanishes, the disk is full. The app says so in the events and goes on with the call; at the
 * end it exits 0 (the call itself was fine), with the transcript saved where it could be.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.js';
import { mknodMissing, skipWhenMissing } from '../helpers/requires.js';
import { startPtyPair } from '../serial/pty.js';
import { alive, alsaHome, expectNoKey, RATE, readOutputs, runFiles, startCall } from './helpers.js';
import { agentSays, type HostileServer, pause, startHostileServer } from './server.js';

let server: HostileServer | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A calm call: one agent turn early, another after a while, open until we hang up. */
async function calmServer(): Promise<HostileServer> {
  server = await startHostileServer({
    call: async (call) => {
      call.json({ type: 'state', state: 'listening' });
      call.json(agentSays(1, 'hello before the fault'));
      await pause(2_500);
      call.json(agentSays(2, 'still talking after the fault'));
    },
  });
  return server;
}

/** Child processes of `pid` with their command lines. */
function children(pid: number): Array<{ pid: number; cmd: string }> {
  const out = spawnSync('pgrep', ['-P', String(pid), '-a'], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [p, ...rest] = line.split(' ');
      return { pid: Number(p), cmd: rest.join(' ') };
    });
}

function exitOf(child: ReturnType<typeof startCall>['child']): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (code) => resolve(code));
  });
}

describe('local devices failing mid-call (plain mode, built CLI)', () => {
  it('sox dying mid-call: a clear message, silence goes on, the call continues', async () => {
    const s = await calmServer();
    const files = runFiles();
    alsaHome(files.home);
    const run = startCall(s, files, { extra: ['--input', 'mic', '--duration', '6'] });
    const cliPid = run.child.pid!;
    const sox = await waitFor(() => children(cliPid).find((c) => /\bsox\b/.test(c.cmd)), {
      what: 'sox',
    });
    await waitFor(() => (s.calls[0]?.audioBytes() ?? 0) > RATE, { what: 'mic audio' });
    process.kill(sox.pid, 'SIGKILL');
    await waitFor(() => /^\[error\] microphone capture stopped/m.test(run.output().stdout), {
      what: 'the capture error',
    });
    // The call is not starved: the server keeps receiving audio (silence) after the death.
    const afterDeath = s.calls[0]!.audioBytes();
    await waitFor(() => s.calls[0]!.audioBytes() > afterDeath + RATE, {
      what: 'audio after sox died',
    });
    const code = await exitOf(run.child);
    const out = run.output();
    expect(code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /^\[error\] microphone capture stopped: sox was killed \(SIGKILL\)$/m,
    );
    expect(out.stdout).not.toMatch(/^\[error\].*killed by/m);
    expect(out.stdout).toMatch(/^Agent: still talking after the fault$/m);
    expect(readOutputs(files).transcript).toMatch(/still talking after the fault/);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expect(alive(sox.pid)).toBe(false);
    expectNoKey([out.stdout, out.stderr], files.home);
  }, 40_000);

  it('the speaker process dying mid-call: a clear message, the call continues', async () => {
    const s = await calmServer();
    const files = runFiles();
    alsaHome(files.home);
    const run = startCall(s, files, { extra: ['--output', 'speaker', '--duration', '6'] });
    const cliPid = run.child.pid!;
    const speaker = await waitFor(
      () => children(cliPid).find((c) => c.cmd.includes('node') && c.cmd.includes('-e')),
      { what: 'the speaker child', timeoutMs: 20_000 },
    );
    await waitFor(() => /^\[call\] connected/m.test(run.output().stdout), { what: 'connected' });
    process.kill(speaker.pid, 'SIGKILL');
    await waitFor(() => /^\[error\] audio output stopped/m.test(run.output().stdout), {
      what: 'the output error',
    });
    const code = await exitOf(run.child);
    const out = run.output();
    expect(code, out.stderr).toBe(0);
    // One sentence: what stopped and what still works; the speaker's own words are not in it.
    expect(out.stdout).toMatch(
      /^\[error\] audio output stopped: speaker \([^;]*; the call goes on without sound$/m,
    );
    expect(out.stdout).not.toMatch(/^\[error\].*killed by/m);
    expect(out.stdout).toMatch(/^Agent: still talking after the fault$/m);
    expect(readOutputs(files).transcript).toMatch(/still talking after the fault/);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
  }, 40_000);

  it('the serial device vanishing: an error line, the call continues', async () => {
    const s = await calmServer();
    const files = runFiles();
    const pty = await startPtyPair(files.home);
    cleanups.push(() => pty.kill());
    const run = startCall(s, files, { extra: ['--serial', pty.appPath, '--duration', '5'] });
    await waitFor(() => /^\[call\] connected/m.test(run.output().stdout), { what: 'connected' });
    await pause(500);
    await pty.kill();
    await waitFor(
      () =>
        /^\[error\] serial device .* disconnected: it went away \(unplugged, or reset\); serial control is off$/m.test(
          run.output().stdout,
        ),
      {
        what: 'the serial warning',
      },
    );
    const code = await exitOf(run.child);
    const out = run.output();
    expect(code, out.stderr).toBe(0);
    expect(out.stdout).not.toMatch(/^\[error\].*killed by/m);
    expect(out.stdout).toMatch(/^Agent: still talking after the fault$/m);
    expect(readOutputs(files).transcript).toMatch(/still talking after the fault/);
  }, 40_000);

  it('a full disk: the transcript writer says so once, the call goes on', async (ctx) => {
    skipWhenMissing(ctx, mknodMissing(), { installable: false });
    const s = await calmServer();
    const files = runFiles();
    // A private /dev/full: every write fails with ENOSPC.
    const full = join(files.home, 'full.txt');
    execFileSync('mknod', [full, 'c', '1', '7']);
    cleanups.push(() => spawnSync('rm', ['-f', full]));
    // And a transcript directory that cannot exist (a path under a regular file).
    writeFileSync(join(files.home, 'not-a-dir'), 'x');
    mkdirSync(join(files.home, 'ok'));
    const run = startCall(
      s,
      { ...files, transcript: full },
      {
        extra: ['--duration', '4'],
      },
    );
    const code = await exitOf(run.child);
    const out = run.output();
    expect(code, out.stderr).toBe(0);
    const diskFull = out.stdout.match(
      /^\[warning\] could not write transcript .*: the disk is full$/gm,
    );
    expect(diskFull).toHaveLength(1);
    expect(out.stdout).not.toMatch(/^\[error\].*killed by/m);
    expect(out.stdout).toMatch(/^Agent: still talking after the fault$/m);
    expect(statSync(full).isCharacterDevice()).toBe(true);

    // --save-transcripts into a folder that became a file during the call (one unusable before
    // the call is refused then, exit 2): a warning at the end, still exit 0.
    const files2 = runFiles();
    const blocker = join(files2.home, 'blocker');
    const run2 = startCall(
      s,
      { ...files2, transcript: '' },
      {
        extra: ['--duration', '3', '--save-transcripts'],
        env: { OMNIA_TRANSCRIPT_DIR: join(blocker, 'sub') },
      },
    );
    await waitFor(() => run2.output().stdout.includes('hello before the fault'), {
      what: 'the call',
    });
    rmSync(blocker, { recursive: true, force: true });
    writeFileSync(blocker, 'x');
    const code2 = await exitOf(run2.child);
    expect(code2, run2.output().stderr).toBe(0);
    expect(run2.output().stderr).toMatch(
      /^warning: could not save the transcript to .+\/blocker\/sub\/.+\.md: a part of the path is not a directory; set another folder \(omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR\)$/m,
    );
  }, 40_000);
});
