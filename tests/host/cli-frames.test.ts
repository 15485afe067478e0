import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

describe('tripod frames', () => {
  it('sets the samples per frame on the simulated board and prints the value in use', async () => {
    const r = await runCli(['frames', '4', '--sim', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ samplesPerFrame: 4 });
    const clamped = await runCli(['frames', '200', '--sim']);
    expect(clamped.code).toBe(0);
    expect(clamped.out).toMatch(/: 8 samples per frame \(asked for 200; the board's limit\)\n$/);
  }, 120_000);

  it('names a missing or bad N in one line, exit 2, without touching a board', async () => {
    for (const [args, msg] of [
      [['frames', '--sim'], /^tripod frames: tripod frames needs N, the samples per frame \(1\.\.255; 2 is the default\)\n/],
      [['frames', '0', '--sim'], /^tripod frames: N must be an integer 1\.\.255 \(samples per frame\), got '0'\n/],
      [['frames', '256', '--sim'], /^tripod frames: N must be an integer 1\.\.255 \(samples per frame\), got '256'\n/],
      [['frames', 'two', '--sim'], /^tripod frames: tripod frames needs N, the samples per frame .*, got 'two'\n/],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
