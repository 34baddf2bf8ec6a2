import { defineConfig } from 'vitest/config';

/**
 * The tests run on the project's Node (22 or newer). From a shell whose `node` is older (the
 * machine's, when set-up provisioned .tools/node), `npx vitest` ran them on it: the tests that
 * start the CLI with that Node failed, and Vitest's own reporter crashed (`Map.groupBy is not a
 * function`). One line instead, saying what runs them on the project's Node.
 */
const NODE_MIN_MAJOR = 22;
if (Number(process.versions.node.split('.')[0]) < NODE_MIN_MAJOR) {
  process.stderr.write(
    `The tests need Node.js ${NODE_MIN_MAJOR} or newer, and this is ${process.version}: run them with ` +
      '"npm test" (one file: "npm test -- test/<file>.test.ts"), which uses the project\'s Node, ' +
      'or first ". scripts/node-env.sh" in this shell.\n',
  );
  process.exit(1);
}

/**
 * Whole-app scenes on the private sound server's real-time clock (echo, barge-in heard on the
 * sink, capture and playback pacing). They run after the rest of the suite, one file at a time:
 * run beside other test files, a starved app's output underruns, PulseAudio raises its latency,
 * and the echo moves under the canceller mid-reply, which is the machine's load, not the app.
 */
const REAL_TIME = [
  'test/echo/app-loop.test.ts',
  'test/e2e/sound-server.test.ts',
  'test/sound-server/**/*.test.ts',
  'test/audio-playback/reply-margin.test.ts',
  'test/tui/greeting-audio.test.ts',
];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
  // After each file: kill the CLI processes a timed-out test left running.
  setupFiles: ['test/setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'suite',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['**/node_modules/**', ...REAL_TIME],
          // Integration tests start real servers, sox and the CLI: two cores, keep it modest.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'real-time',
          include: REAL_TIME,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
