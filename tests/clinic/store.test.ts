/**
 * The clinic store's suite, run on both implementations: the embedded store (PGlite) and a
 * PostgreSQL server. Patients, sessions per day, trials with everything they carry, the rule,
 * bad input, and reopening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE, type ClinicStore } from '../../host/clinic/types.ts';
import { localDay } from '../../host/clinic/store.ts';
import { newTrial } from './fixtures.ts';
import { STORE_KINDS } from './stores.ts';

for (const kind of STORE_KINDS) {
  describe.skipIf(kind.skip)(`clinic store: ${kind.name}`, () => {
    let store: ClinicStore;
    let reopen: () => Promise<ClinicStore>;
    let cleanup: () => void;

    beforeAll(async () => {
      const o = await kind.open();
      store = o.store;
      reopen = o.reopen;
      cleanup = o.cleanup;
    }, 300_000); // a fresh embedded store runs initdb in WebAssembly: ~10 s, more on a loaded machine
    afterAll(async () => {
      await store?.close();
      cleanup?.();
    });

    it('adds patients with a pseudonymous code; refuses a bad or duplicate code with one line', async () => {
      const p = await store.createPatient({ code: 'P-001', name: 'Ann Example', notes: 'left ankle sprain' });
      expect(p).toMatchObject({ code: 'P-001', name: 'Ann Example', notes: 'left ankle sprain' });
      expect((await store.createPatient({ code: 'P-002' })).name).toBeNull();
      await expect(store.createPatient({ code: 'p-001' })).rejects.toThrow('patient p-001 already exists');
      await expect(store.createPatient({ code: '' })).rejects.toThrow(/^patient code must be 1-32 letters/);
      await expect(store.createPatient({ code: 'Ann Example' })).rejects.toThrow(/patient code must be/);
      await expect(store.createPatient({ code: 'x'.repeat(33) })).rejects.toThrow(/patient code must be/);
      expect((await store.patient('p-001'))!.code).toBe('P-001');
      expect(await store.patient('nobody')).toBeNull();
      const up = await store.updatePatient('P-002', { notes: 'right knee' });
      expect(up).toMatchObject({ code: 'P-002', name: null, notes: 'right knee' });
      await expect(store.updatePatient('nobody', { notes: 'x' })).rejects.toThrow("no patient with code 'nobody'");
    });

    it('stores a trial with all it carries, in the session of its day', async () => {
      const p = (await store.patient('P-001'))!;
      const ended = '2026-03-02T10:15:00.000Z';
      const t = newTrial(p.id, { endedAt: ended, eyes: 'closed', surface: 'foam', held: 12.5, touchDowns: 1, inZone: 64.25 });
      const s = await store.addTrial(t);
      expect(s.sessionDate).toBe(localDay(ended));
      expect(s.conditions).toEqual({ foot: 'left', eyes: 'closed', surface: 'foam', durationS: 20 });
      expect(s.summary).toEqual(t.summary);
      expect(s.recording).toBe('/data/rec/session-1.tripod');
      const d = (await store.trial(s.id))!;
      expect(d.rows).toEqual(t.rows);
      expect(d.result).toEqual(t.result);
      expect(d.trace).toEqual(t.trace);
      expect(d.geometry).toEqual(t.geometry);
      expect(d.board).toEqual(t.board);
      expect(d.calibration).toEqual(t.calibration);
      expect([d.fromIndex, d.toIndex]).toEqual([100, 1900]);
      expect(await store.trial(999_999)).toBeNull();
      // a second trial the same day: same session; another day: a new one
      const s2 = await store.addTrial(newTrial(p.id, { endedAt: '2026-03-02T11:00:00.000Z' }));
      expect(s2.sessionId).toBe(s.sessionId);
      const s3 = await store.addTrial(newTrial(p.id, { endedAt: '2026-03-09T10:00:00.000Z', foot: 'right' }));
      expect(s3.sessionId).not.toBe(s.sessionId);
      const sessions = await store.sessions('P-001');
      expect(sessions.map((x) => [x.date, x.trials])).toEqual([
        [localDay(ended), 2],
        [localDay('2026-03-09T10:00:00.000Z'), 1],
      ]);
      expect((await store.trials(p.id)).map((x) => x.id)).toEqual([s.id, s2.id, s3.id]);
      expect((await store.trials(p.id, s.sessionId)).map((x) => x.id)).toEqual([s.id, s2.id]);
      const list = await store.patients();
      expect(list.map((x) => [x.code, x.sessions, x.trials])).toEqual([
        ['P-001', 2, 3],
        ['P-002', 0, 0],
      ]);
    });

    it('refuses a trial for an unknown patient and stores nothing of it', async () => {
      await expect(store.addTrial(newTrial(987_654))).rejects.toThrow();
      expect((await store.sessions()).every((s) => s.patientId !== 987_654)).toBe(true);
    });

    it('keeps a progression rule per patient, checked', async () => {
      const p = (await store.patient('P-002'))!;
      expect(await store.rule(p.id)).toEqual(DEFAULT_RULE);
      const rule = { holdS: 25, maxTouchDowns: 0, minInZonePct: 80, sessionsInRow: 2 };
      await store.setRule(p.id, rule);
      expect(await store.rule(p.id)).toEqual(rule);
      await expect(store.setRule(p.id, { ...rule, sessionsInRow: 0 })).rejects.toThrow('rule sessionsInRow must be a whole number 1..10, got 0');
      await expect(store.setRule(p.id, { ...rule, minInZonePct: 120 })).rejects.toThrow('rule minInZonePct must be 0..100 %, got 120');
    });

    it('finds everything again after closing and reopening', { timeout: 120_000 }, async () => {
      await store.close();
      store = await reopen();
      const p = (await store.patient('P-001'))!;
      expect((await store.trials(p.id)).length).toBe(3);
      expect((await store.rule((await store.patient('P-002'))!.id)).holdS).toBe(25);
    });
  });
}
