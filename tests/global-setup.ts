/**
 * Vitest global setup (tests/vitest.config.ts): one empty folder per run where the firmware built
 * from firmware/src lands the first time a test file asks for it (tests/firmware/harness.ts), so the
 * files that run it build it once per run instead of once each (about 2 s of CPU per file). The
 * folder is emptied when watch mode reruns the tests (the sources may have changed) and removed at
 * the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder for this run's firmware build (tests/firmware/harness.ts fills it). */
    tripodFirmwareDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  let dir = mkdtempSync(join(tmpdir(), 'tripod-fw-run-'));
  project.provide('tripodFirmwareDir', dir);
  project.onTestsRerun(() => {
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'tripod-fw-run-'));
    project.provide('tripodFirmwareDir', dir);
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
