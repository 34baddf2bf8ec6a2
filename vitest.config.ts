import { defineConfig } from 'vitest/config';

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
