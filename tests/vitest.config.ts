import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './sequencer.ts';

/**
 * Suites that run in the test process only: no servers, browsers, child processes left running, no
 * environment or module mocks. Their files share one module cache per worker (isolate: false), which
 * saves each file a fresh process and a fresh import of the emulator, TypeScript, esbuild and the
 * protocol (about 0.3-1 s of CPU per file). Every other suite runs each file in a fresh process.
 */
const IN_PROCESS = ['tests/protocol/**/*.test.ts', 'tests/scoring/**/*.test.ts', 'tests/emulator/**/*.test.ts', 'tests/firmware/**/*.test.ts', 'tests/docs/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time on the 2-core machines (CI, the developers' guide). Three filled the cores
    // better (427 s against about 480) but slowed the real interpreters under qemu-arm enough to
    // change what they measure: the Puck.js-sized run's peak read 1,851 variables in a three-worker
    // CI run against 1,834 alone and in every two-worker run (tests/real-espruino), over its limit.
    maxWorkers: 2,
    // Longest files first (tests/sequencer.ts), so none of them starts last.
    sequence: { sequencer: LongFirstSequencer },
    // One folder per run for the firmware build the firmware tests share (tests/firmware/harness.ts).
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default'],
    // CLI processes the tests start run the TypeScript sources (host/cli/bin.mjs), never a stale
    // dist/; tests/host/package.test.ts runs the compiled package.
    env: { TRIPOD_FROM_SOURCE: '1' },
    projects: [
      { extends: true, test: { name: 'in-process', include: IN_PROCESS, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['tests/**/*.test.ts'], exclude: IN_PROCESS } },
    ],
  },
});
