import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './sequencer.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three files at a time on the 2-core machines (CI, the developers' guide): many files wait on
    // real time (interpreters under qemu-arm, chromium, paced uploads, child processes) as much as
    // they compute, and a third worker fills the cores they leave idle.
    maxWorkers: 3,
    // Longest files first (tests/sequencer.ts), so none of them starts last.
    sequence: { sequencer: LongFirstSequencer },
    // One folder per run for the firmware build the firmware tests share (tests/firmware/harness.ts).
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default'],
    // CLI processes the tests start run the TypeScript sources (host/cli/bin.mjs), never a stale
    // dist/; tests/host/package.test.ts runs the compiled package.
    env: { TRIPOD_FROM_SOURCE: '1' },
  },
});
