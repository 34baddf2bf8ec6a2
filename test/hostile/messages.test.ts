/**
 * Issue 7, item 1: a hostile or broken server, against the built CLI in plain mode. Each case
 * sends its abuse, then a good final turn ("still here"), then ends the call normally: the call
 * must survive the abuse, say what was wrong in the events, keep the terminal and the files clean.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tone } from '../helpers/signal.js';
import {
  expectNoKey,
  expectTerminalSafe,
  type HostileRun,
  RATE,
  runCall,
  runFiles,
} from './helpers.js';
import {
  agentSays,
  type CreateBehaviour,
  type HostileCall,
  type HostileServer,
  pause,
  startHostileServer,
} from './server.js';

/** Shortest run of zero samples counted as an underrun gap: 2 ms, longer than any tone's own. */
const GAP_SAMPLES = 32;

/**
 * The output WAV with its underrun gaps taken out. The file is written like a sound card plays:
 * when the app's event loop stalls past its lead (a loaded machine), the device plays silence
 * meanwhile and the agent's audio resumes after it. The samples must still be exactly those
 * sent, in order; only the silence between them depends on the machine's load.
 */
function withoutUnderruns(pcm: Buffer): Buffer {
  const kept: Buffer[] = [];
  let from = 0;
  let zeros = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    if (pcm.readInt16LE(i) === 0) {
      zeros++;
      continue;
    }
    if (zeros >= GAP_SAMPLES) {
      kept.push(pcm.subarray(from, i - zeros * 2));
      from = i;
    }
    zeros = 0;
  }
  kept.push(pcm.subarray(from, zeros >= GAP_SAMPLES ? pcm.length - zeros * 2 : pcm.length));
  return Buffer.concat(kept);
}

/** A signal with its zero samples nudged to 1, so underrun gaps (runs of 0) cannot eat into it. */
function noZeroSamples(pcm: Buffer): Buffer {
  const out = Buffer.from(pcm);
  for (let i = 0; i + 1 < out.length; i += 2) if (out.readInt16LE(i) === 0) out.writeInt16LE(1, i);
  return out;
}

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Run a call whose server plays `abuse`, then a good turn, then ends the call with 1000. */
async function survive(
  abuse: (call: HostileCall) => void | Promise<void>,
  options: { extra?: string[]; create?: CreateBehaviour } = {},
): Promise<HostileRun> {
  server = await startHostileServer({
    ...(options.create ? { create: options.create } : {}),
    call: async (call) => {
      call.json({ type: 'call_started', callId: 'c-1' });
      call.json({ type: 'state', state: 'listening' });
      await abuse(call);
      await pause(300);
      call.json(agentSays(1_000, 'still here'));
      await pause(500);
      call.ws.close(1000, 'bye');
    },
  });
  const files = runFiles();
  const run = await runCall(server, files, options);
  // Whatever the abuse, the call went on to the good turn and ended normally.
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^Agent: still here$/m);
  expect(run.transcript).toMatch(/still here/);
  for (const [what, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
    ['transcript', run.transcript],
  ] as const) {
    expectTerminalSafe(text, what);
  }
  expectNoKey([run.stdout, run.stderr, run.transcript], files.home);
  return run;
}

describe('a hostile server cannot break the call (plain mode, built CLI)', () => {
  it('junk and truncated JSON: reported as invalid, the call goes on', async () => {
    const run = await survive((call) => {
      call.text('not json at all');
      call.text('{"type":"transcript","role":"agent","ordi');
      call.text('');
      call.text(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
      call.text('[1,2,3]');
      call.text('null');
    });
    const invalid = run.stdout.match(/^\[invalid\] .+$/gm) ?? [];
    expect(invalid.length).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('a tool call that cannot be read but names its invocation is still answered, with an error', async () => {
    const answers: unknown[] = [];
    const run = await survive(async (call) => {
      // Parameters as a JSON string, an array, and a frame over the 1 MiB text limit.
      call.json({
        type: 'client_tool_invocation',
        toolName: 'lookup',
        invocationId: 'inv-A',
        parameters: '{"order":7}',
      });
      call.json({
        type: 'client_tool_invocation',
        toolName: 'lookup',
        invocationId: 'inv-B',
        parameters: [1],
      });
      call.json({
        type: 'client_tool_invocation',
        toolName: 'lookup',
        invocationId: 'inv-C',
        parameters: { doc: 'x'.repeat(1_200_000) },
      });
      await pause(700);
      answers.push(
        ...call.messages.filter((m) => (m as { type?: string }).type === 'client_tool_result'),
      );
    });
    expect(answers.map((m) => (m as { invocationId: string }).invocationId)).toEqual([
      'inv-A',
      'inv-B',
      'inv-C',
    ]);
    for (const answer of answers) {
      expect((answer as { error: string }).error).toMatch(
        /^omnia-voice could not read this tool call: /,
      );
    }
    // Shown, and kept in the transcript, as a failed tool call.
    expect(run.transcript).toMatch(
      /^Tool: lookup\(\{\}\) failed: omnia-voice could not read this tool call: client_tool_invocation: "parameters" expected a record/m,
    );
    expect(run.transcript).toMatch(
      /^Tool: lookup\(\{\}\) failed: omnia-voice could not read this tool call: text frame of/m,
    );
  }, 30_000);

  it('a burst of 300 pings is answered and the call goes on', async () => {
    let pongs = 0;
    await survive(async (call) => {
      call.ws.on('pong', () => pongs++);
      for (let i = 0; i < 300; i++) call.ws.ping(Buffer.from(String(i)));
      await pause(1_000);
    });
    expect(pongs).toBe(300);
  }, 30_000);

  it('wrong field types and a state outside the four are reported with the field', async () => {
    const run = await survive((call) => {
      call.json({ type: 'transcript', role: 'agent', ordinal: '3', text: 'x', final: true });
      call.json({ type: 'transcript', role: 'robot', ordinal: 4, text: 'x', final: true });
      call.json({ type: 'state', state: 'dancing' });
      call.json({ type: 'pong', timestamp: 'yesterday' });
      call.json({ type: 'client_tool_invocation', toolName: 7 });
      call.json({ type: 7 });
    });
    expect(run.stdout).toMatch(/^\[invalid\] .*ordinal/m);
    expect(run.stdout).toMatch(/^\[invalid\] .*state/m);
    // The state stayed valid: state lines were printed, nothing but the four states, and the
    // last one is still the "listening" sent before the bad one (no lines would pass a loop).
    const states = run.stdout.match(/^\[state\] .+$/gm) ?? [];
    expect(states, run.stdout).toContain('[state] listening');
    for (const line of states) {
      expect(line).toMatch(/^\[state\] (idle|listening|thinking|speaking)$/);
    }
    expect(states.at(-1)).toBe('[state] listening');
    expect(run.transcript).not.toMatch(/robot/);
  }, 30_000);

  it('unknown message types are logged and ignored', async () => {
    const run = await survive((call) => {
      call.json({ type: 'call_event', payload: { a: 1 } });
      call.json({ type: 'future_thing\u001b[31m', x: 1 });
    });
    expect(run.stdout).toMatch(/^\[unknown\] .*call_event/m);
    expect(run.stdout).toMatch(/^\[unknown\] .*future_thing/m);
  }, 30_000);

  it('text with escape sequences and control characters is shown and saved clean', async () => {
    const nasty =
      'hi\u001b[2J\u001b[H\u001b]0;pwned\u0007\u001bP+q\u001b\\ there\u0000\u0008\u009b31m\u202eevil\u2028more\r\n'.repeat(
        3,
      );
    const run = await survive((call) => {
      call.json({ type: 'transcript', role: 'agent', ordinal: 1, text: nasty, final: true });
      call.json({ type: 'debug', message: `debug ${nasty}` });
      call.json({ type: 'error', message: `server says ${nasty}` });
      call.json({ type: 'call_started', callId: `id\u001b[31m${nasty}` });
    });
    expect(run.stdout).toMatch(/^Agent: hi there/m);
    // The turn's line breaks do not start lines of their own, without `Agent:`.
    expect(run.stdout).not.toMatch(/^hi there/m);
    expect(run.stdout).toMatch(/^\[error\] .*server says hi there/m);
    expect(run.transcript).toMatch(/hi there/);
    // A line separator inside the turn breaks no line of the output or the .txt file.
    expect(run.stdout).toMatch(/^Agent: hi there.*evil more/m);
    expect(`${run.stdout}${run.transcript}`).not.toMatch(/[\u2028\u2029]/);
  }, 30_000);

  it('the call id and agent name in the REST answer reach the terminal clean and bounded', async () => {
    const nasty = '\u001b]0;PWNED\u0007\u001b[31mRED\u001b[2J';
    const run = await survive(() => {}, {
      create: { kind: 'ok', id: `call_${nasty}${'x'.repeat(5_000)}`, agentName: `Bot${nasty}` },
    });
    // Printed at once, from the REST answer (the socket's call_started comes later).
    const connected = /^\[call\] connected \(call (.*)\)$/m.exec(run.stdout)?.[1];
    expect(connected).toMatch(/^call_REDx+…$/);
    expect(connected?.length).toBeLessThanOrEqual(200);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/PWNED/);
  }, 30_000);

  it('a call_started with another id midway does not relabel the call', async () => {
    const run = await survive((call) => {
      call.json({ type: 'call_started', callId: 'someone-elses-call' });
    });
    // The id the call was created with (the one its record is fetched by) stays.
    expect(run.transcript).toMatch(/^=== Call · .* · call hostile-call-1 · /m);
    expect(run.transcript).not.toMatch(/call someone-elses-call/);
    expect(run.stdout).toMatch(
      /call started \(someone-elses-call\); the call stays hostile-call-1/,
    );
  }, 30_000);

  it('a huge text frame (4 MB) is rejected by size without ending the call', async () => {
    const run = await survive((call) => {
      call.text(JSON.stringify(agentSays(5, 'x'.repeat(4 * 1024 * 1024))));
      call.json(agentSays(6, `long ${'y'.repeat(200_000)}`));
    });
    // (Lines shortened so a failure does not print megabytes.)
    const lines = run.stdout.split('\n').map((line) => line.slice(0, 200));
    expect(lines.join('\n')).toMatch(/^\[invalid\] .*4\.0 MiB exceeds the 1\.0 MiB limit/m);
    expect(run.transcript.includes('x'.repeat(1000))).toBe(false);
    // A long but acceptable turn is kept, capped at 100,000 characters.
    expect(run.transcript.includes(`long ${'y'.repeat(200_000)}`)).toBe(false);
    expect(run.transcript.includes(`long ${'y'.repeat(99_000)}`)).toBe(true);
  }, 30_000);

  it('deltas for unknown and old ordinals, and a second final, are handled and reported', async () => {
    const run = await survive(async (call) => {
      call.json(agentSays(10, 'first turn'));
      call.json({ type: 'transcript', role: 'agent', ordinal: 10, delta: ' late', final: false });
      call.json(agentSays(10, 'first turn again'));
      call.json({ type: 'transcript', role: 'user', ordinal: 12, delta: 'brand ', final: false });
      call.json({ type: 'transcript', role: 'user', ordinal: 12, delta: 'new', final: true });
      call.json({
        type: 'transcript',
        role: 'agent',
        ordinal: 11,
        text: 'in between',
        final: true,
      });
    });
    expect(run.stdout).toMatch(/^\[warning\] delta for turn 10 after it was final/m);
    expect(run.stdout).toMatch(/^\[warning\] second "final" for turn 10/m);
    // Turns in ordinal order in the file, the late one slotted in place, nothing duplicated.
    const order = ['first turn', 'in between', 'brand new', 'still here'].map((t) =>
      run.transcript.indexOf(t),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(run.transcript).not.toMatch(/first turn again|turn late/);
  }, 30_000);

  it('odd-length and empty audio frames play as the exact samples sent', async () => {
    const sent = noZeroSamples(tone(440, 600, RATE, 0.4));
    const run = await survive(async (call) => {
      call.json({ type: 'state', state: 'speaking' });
      const sizes = [1, 3, 0, 7, 333, 0, 1, 2_001];
      let at = 0;
      for (let i = 0; at < sent.length; i++) {
        const size = sizes[i % sizes.length]!;
        call.audio(sent.subarray(at, at + size));
        at += size;
      }
      call.json({ type: 'state', state: 'listening' });
      await pause(1_200);
    });
    expect(run.wav).toBeDefined();
    // Reassembled on sample boundaries: the tone is in the output byte for byte.
    expect(withoutUnderruns(run.wav!.data).indexOf(sent)).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it('a turn over the length cap takes no more text: a flood of deltas after it costs nothing', async () => {
    const run = await survive(async (call) => {
      call.json({ type: 'state', state: 'speaking' });
      call.json({ type: 'transcript', role: 'agent', ordinal: 5, text: 'x'.repeat(120_000) });
      // 40,000 more deltas (200 KB): each one used to cut the 100,000-character turn again,
      // and the app stopped answering (keys, signals, the server's close) for minutes.
      const delta = JSON.stringify({
        type: 'transcript',
        role: 'agent',
        ordinal: 5,
        delta: 'word ',
      });
      for (let i = 0; i < 40_000; i++) call.text(delta);
      call.json({ type: 'transcript', role: 'agent', ordinal: 5, delta: ' the end', final: true });
      call.json({ type: 'state', state: 'listening' });
    });
    const capped = /^Agent: (x+)…$/m.exec(run.stdout);
    expect(capped?.[1]?.length).toBe(99_999);
    expect(run.transcript).not.toContain('word');
  }, 40_000);

  it('a flood of 40,000 whole turns is printed in order, and the call still ends as the server ends it', async () => {
    const count = 40_000;
    const run = await survive(async (call) => {
      // Alternating speakers, ordinals from 2,000: the good turn (ordinal 1,000) then comes
      // late and is slotted in before them.
      for (let i = 0; i < count; i++) {
        const role = i % 2 === 0 ? 'user' : 'agent';
        const ordinal = 2_000 + i;
        call.text(
          JSON.stringify({ type: 'transcript', role, ordinal, text: `turn ${i}`, final: true }),
        );
      }
    });
    const lines = run.stdout.split('\n').filter((l) => /^(User|Agent): turn \d+$/.test(l));
    expect(lines).toHaveLength(count);
    expect(lines[0]).toBe('User: turn 0');
    expect(lines.at(-1)).toBe(`Agent: turn ${count - 1}`);
  }, 60_000);

  it('an audio flood far faster than real time is capped, reported, and barge-in still works', async () => {
    const hum = tone(200, 1_000, RATE, 0.05);
    const fresh = noZeroSamples(tone(880, 500, RATE, 0.4));
    const run = await survive(async (call) => {
      call.json({ type: 'state', state: 'speaking' });
      // 200 s of agent audio in well under a second: far beyond the 120 s queue cap.
      for (let s = 0; s < 200; s++) call.audio(hum);
      await pause(1_500);
      // The user barges in; the agent's next turn must play at once, not after the backlog.
      call.json({ type: 'playback_clear_buffer' });
      call.audio(fresh);
      await pause(1_500);
      call.json({ type: 'state', state: 'listening' });
    });
    expect(run.stdout).toMatch(
      /^\[warning\] agent audio arrives far faster than it plays: queue capped at 120 s, \d+\.\d s of the oldest audio dropped/m,
    );
    // The queue never held more than the cap.
    const queued = [...run.stdout.matchAll(/queued (\d+) ms/g)].map((m) => Number(m[1]));
    expect(queued.length).toBeGreaterThan(0);
    expect(Math.max(...queued)).toBeLessThanOrEqual(120_000);
    expect(run.stdout).toMatch(/^\[info\] barge-in: server cleared playback \(\d+ ms/m);
    expect(withoutUnderruns(run.wav!.data).indexOf(fresh)).toBeGreaterThanOrEqual(0);
  }, 40_000);
});
