/**
 * A new embedded store starts from this machine's copy of a pristine cluster (host/clinic/
 * pglite-template.ts): the first new store runs initdb and keeps the copy, the next one starts from
 * it and holds what is stored in it across a reopen, and an unreadable copy costs only the slow
 * path (the store still opens, and the copy is replaced). Runs with its own XDG_CACHE_HOME.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClinicStore } from '../../host/clinic/open.ts';
import { templatePath } from '../../host/clinic/pglite-template.ts';

describe('embedded store: starting from the pristine cluster copy', () => {
  const root = mkdtempSync(join(tmpdir(), 'tripod-clinic-template-'));
  const saved = process.env.XDG_CACHE_HOME;
  beforeAll(() => {
    process.env.XDG_CACHE_HOME = join(root, 'cache');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    rmSync(root, { recursive: true, force: true });
  });

  const roundTrip = async (dir: string, code: string): Promise<void> => {
    const store = await openClinicStore({ dir });
    await store.createPatient({ code });
    await store.close();
    const again = await openClinicStore({ dir });
    expect((await again.patients()).map((p) => p.code)).toEqual([code]);
    await again.close();
  };

  it('keeps a copy after the first new store, starts the next from it, and survives a broken copy', { timeout: 600_000 }, async () => {
    const tpl = templatePath();
    expect(tpl.startsWith(join(root, 'cache', 'tripod'))).toBe(true);
    expect(existsSync(tpl)).toBe(false);
    await roundTrip(join(root, 'a'), 'A-1');
    expect(statSync(tpl).size).toBeGreaterThan(1e6);
    // from the copy: its own data only (the copy holds no clinic data)
    await roundTrip(join(root, 'b'), 'B-1');
    // a broken copy: the store opens the slow way and the copy is written again
    writeFileSync(tpl, 'not a tar file');
    await roundTrip(join(root, 'c'), 'C-1');
    expect(statSync(tpl).size).toBeGreaterThan(1e6);
  });
});
