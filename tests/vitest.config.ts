import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // CLI processes the tests start run the TypeScript sources (host/cli/bin.mjs), never a stale
    // dist/; tests/host/package.test.ts runs the compiled package.
    env: { TRIPOD_FROM_SOURCE: '1' },
  },
});
