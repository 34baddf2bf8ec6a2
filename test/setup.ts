/**
 * Runs in every test file (vitest.config.ts `setupFiles`): after the file, the CLI processes its
 * tests started and left running (a test vitest timed out while the CLI still ran) are killed,
 * so they do not hold calls open and load the machine for the files after it.
 */
import { afterAll } from 'vitest';
import { killLeftoverProcesses } from './helpers/cli.js';

afterAll(() => {
  killLeftoverProcesses();
});
