/**
 * The room's live loop in a process of its own (see `startRoomLoop` in `room.ts`): reads
 * `speaker.monitor`, passes it through the room, plays it into `room`. Argument: the room's
 * options as JSON; the environment names the sound server.
 *
 * It runs at a raised priority where it may (root): the loop models the physical room, which
 * does not wait for a busy CPU. In the test's own process, with both cores kept busy
 * (stress-ng), it fell seconds behind and the mic heard almost no echo.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { Room, type RoomOptions, toS16 } from './room.js';
import { PULSE_LATENCY_MS, rawStreamArgs } from './sound-server.js';

try {
  setPriority(0, -10);
} catch {
  // Not allowed (not root): the normal priority, as the loop had in the test's process.
}
const options = JSON.parse(process.argv[2] ?? '{}') as RoomOptions;
const room = new Room(options);
const pulseArgs = rawStreamArgs(options.rate);
const monitor = spawn('parec', ['--device=speaker.monitor', ...pulseArgs, '--latency-msec=10'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
// A sound card's capture runs whether or not anyone reads it. The rig's mic (a virtual source
// whose uplink sink is `room`) runs only while it has a reader: before the app opened it, what
// the loop wrote into `room` backed up (pacat, then the pipe) and played out later, so the
// echo reached the app's mic about a second late for the whole call (1.2-1.5 s with an 80 ms
// room instead of 0.37 s). A reader of its own, at the server's usual block, keeps it running.
const micReader = spawn(
  'parec',
  ['--device=mic', ...pulseArgs, `--latency-msec=${PULSE_LATENCY_MS}`],
  {
    stdio: ['ignore', 'ignore', 'ignore'],
  },
);
const into = spawn('pacat', ['--playback', '--device=room', ...pulseArgs, '--latency-msec=20'], {
  stdio: ['pipe', 'ignore', 'ignore'],
});
into.stdin.on('error', () => undefined);
let carry: Buffer | undefined;
monitor.stdout.on('data', (chunk: Buffer) => {
  let data = carry ? Buffer.concat([carry, chunk]) : chunk;
  carry = undefined;
  if (data.length % 2 === 1) {
    carry = data.subarray(data.length - 1);
    data = data.subarray(0, data.length - 1);
  }
  into.stdin.write(toS16(room.process(data)));
});
process.stdout.write('ready\n');
const stop = () => {
  monitor.kill('SIGTERM');
  micReader.kill('SIGTERM');
  into.stdin.end();
  into.on('exit', () => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
