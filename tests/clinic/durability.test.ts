/**
 * The embedded store keeps a stored trial when its process is SIGKILLed right after the store
 * call resolved (no close, no exit handlers): a child process stores a trial, says so, and kills
 * itself; the store reopened here has it. A killed process's lock is taken over; a live one's is not.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openClinicStore } from '../../host/clinic/open.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('embedded store durability', () => {
  it('a trial stored before a SIGKILL is there after it', { timeout: 400_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-clinic-kill-'));
    try {
      const script = join(dir, 'writer.mts');
      writeFileSync(
        script,
        `import { openClinicStore } from ${JSON.stringify(join(ROOT, 'host/clinic/open.ts'))};
import { newTrial } from ${JSON.stringify(join(ROOT, 'tests/clinic/fixtures.ts'))};
const store = await openClinicStore({ dir: ${JSON.stringify(join(dir, 'store'))} });
const p = (await store.patient('K-1')) ?? (await store.createPatient({ code: 'K-1' }));
const t = await store.addTrial(newTrial(p.id, { held: Number(process.argv[2]) }));
process.stdout.write('stored ' + t.id + '\\n');
process.kill(process.pid, 'SIGKILL');
`,
      );
      for (const held of [11, 12]) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(held)], { cwd: ROOT, encoding: 'utf8' });
        expect(r.signal, r.stderr).toBe('SIGKILL');
        expect(r.stdout).toMatch(/^stored \d+\n$/);
      }
      const store = await openClinicStore({ dir: join(dir, 'store') });
      const p = (await store.patient('K-1'))!;
      expect((await store.trials(p.id)).map((t) => t.summary.timeHeldS)).toEqual([11, 12]);
      // the killed writers' locks were taken over; a second opener while this one runs is refused
      const dirStore = join(dir, 'store');
      await expect(openClinicStore({ dir: dirStore })).rejects.toThrow(`the clinic store ${dirStore} is in use by process ${process.pid}`);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
