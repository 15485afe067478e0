/**
 * Test file order for vitest (tests/vitest.config.ts): the files that take longest start first, so
 * that no long file starts last and runs on while the other workers sit idle.
 *
 * Vitest orders by the durations it cached from the last run, and without a cache (a fresh clone:
 * CI) by file size, which puts the long files anywhere. LONG_FIRST names them, longest first, from
 * a full run with three workers on 2 cores (2026-12-07: 20-140 s each; the rest under 18 s; the
 * lead added the radio-loss files of that day, about 30 and 15 s). Most
 * of them wait on something real as much as they compute: the Espruino interpreters under qemu-arm
 * stream for a minute of real time, chromium drives the live page, the espruino package paces its
 * uploads, npm installs the packed package, the CLI starts as child processes. A file missing from
 * this list only runs later; a name here that no longer exists is ignored.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const LONG_FIRST = [
  'tests/real-espruino/real-espruino.test.ts',
  'tests/clinic/page.test.ts',
  'tests/host/package.test.ts',
  'tests/makers/flash-e2e.test.ts',
  'tests/clinic/cli.test.ts',
  'tests/clinic/template.test.ts',
  'tests/host/cli-record.test.ts',
  'tests/live/cli.test.ts',
  'tests/host/radio-loss.test.ts',
  'tests/makers/emulate-repl.test.ts',
  'tests/makers/flash-upload.test.ts',
  'tests/live/page.test.ts',
  'tests/host/full-disk.test.ts',
  'tests/live/memory.test.ts',
  'tests/live/trial.test.ts',
  'tests/live/cli-radio-loss.test.ts',
];

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const rel = f.moduleId.replace(/\\/g, '/');
      const i = LONG_FIRST.findIndex((name) => rel.endsWith(`/${name}`));
      return i < 0 ? LONG_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's own order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
