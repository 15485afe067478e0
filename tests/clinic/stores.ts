/**
 * The two clinic stores the suites run on: the embedded one (PGlite in a temp dir) and a
 * PostgreSQL server (TRIPOD_TEST_PG_URL, which .ci/run sets after starting Debian's PostgreSQL; a
 * fresh schema per store). Outside CI without the URL the server suites print one line and skip;
 * in CI (CI set) a missing URL fails them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClinicStore } from '../../host/clinic/open.ts';
import type { ClinicStore } from '../../host/clinic/types.ts';

export const PG_URL = process.env.TRIPOD_TEST_PG_URL ?? null;
export const IN_CI = !!process.env.CI;

if (!PG_URL && !IN_CI) console.log('clinic: TRIPOD_TEST_PG_URL not set: the PostgreSQL server runs of the store suite are skipped (.ci/run starts one)');

export interface StoreKind {
  name: 'embedded' | 'postgresql';
  /** Why it cannot run here, or null. */
  skip: boolean;
  open(): Promise<{ store: ClinicStore; reopen(): Promise<ClinicStore>; cleanup(): void }>;
}

let schemaN = 0;

export const STORE_KINDS: StoreKind[] = [
  {
    name: 'embedded',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tripod-clinic-'));
      return { store: await openClinicStore({ dir }), reopen: () => openClinicStore({ dir }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgresql',
    skip: !PG_URL && !IN_CI,
    async open() {
      if (!PG_URL) throw new Error('TRIPOD_TEST_PG_URL is not set: in CI, .ci/run must start PostgreSQL (Debian package postgresql) and export it');
      const schema = `t_${process.pid}_${Date.now().toString(36)}_${schemaN++}`;
      return { store: await openClinicStore({ url: PG_URL, schema }), reopen: () => openClinicStore({ url: PG_URL, schema }), cleanup: () => undefined };
    },
  },
];
