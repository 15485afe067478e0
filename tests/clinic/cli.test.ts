/** `tripod patients`, `tripod sessions`, `tripod report` on an embedded store: listings, exports, one-line errors. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClinicStore } from '../../host/clinic/open.ts';
import { runCli } from '../host/helpers/cli.ts';
import { newTrial } from './fixtures.ts';

const run = runCli;

describe('tripod patients / sessions / report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripod-clinic-cli-'));
  const store = join(dir, 'store');
  beforeAll(async () => {
    expect(await run(['patients', '--store', store, '--add', 'P-7', '--notes', 'hip'])).toEqual({ code: 0, out: 'added patient P-7\n', err: '' });
    const s = await openClinicStore({ dir: store });
    const p = (await s.patient('P-7'))!;
    await s.addTrial(newTrial(p.id, { endedAt: '2026-04-01T09:00:00.000Z', held: 18.5 }));
    await s.addTrial(newTrial(p.id, { endedAt: '2026-04-08T09:00:00.000Z', eyes: 'closed', surface: 'foam', held: 9 }));
    await s.close();
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists and exports patients, sessions and trials', { timeout: 120_000 }, async () => {
    const p = await run(['patients', '--store', store, '--format', 'csv']);
    expect(p.out.split('\r\n')[0]).toBe('code,name,notes,created_at,sessions,trials,last_session_date');
    expect(p.out.split('\r\n')[1]).toMatch(/^P-7,,hip,.*,2,2,2026-04-0\d$/);
    const s = await run(['sessions', '--store', store, '--format', 'json']);
    expect((JSON.parse(s.out) as { sessions: Array<{ patientCode: string; trials: number }> }).sessions.map((x) => [x.patientCode, x.trials])).toEqual([['P-7', 1], ['P-7', 1]]);
    const out = join(dir, 't.csv');
    expect(await run(['sessions', '--store', store, '--patient', 'p-7', '--trials', '--format', 'csv', '--out', out])).toMatchObject({ code: 0, err: '' });
    const rows = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain(',P-7,');
    expect(rows[2]).toContain(',closed,foam,20,9,');
    const table = await run(['sessions', '--store', store, '--patient', 'P-7', '--trials']);
    expect(table.out.split('\n')[0]).toBe('trial  date        foot   eyes    surface  held s  errors  in zone %  velocity mm/s');
    expect(table.out.split('\n')[2]).toMatch(/^ +\d+  2026-04-0\d  left   closed  foam        9.0       0       80.0           30.5$/);
  });

  it('writes the report for one session or all', async () => {
    const out = join(dir, 'r.html');
    const r = await run(['report', '--store', store, '--patient', 'P-7', '--out', out]);
    expect(r).toEqual({ code: 0, out: `tripod report: ${out} (P-7, 2 sessions, 2 trials)\n`, err: '' });
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<section class="sheet"/g)).toHaveLength(2);
    expect(html).toContain('Board <b>simulated board</b>');
    expect(html).toContain('Recording: /data/rec/session-1.tripod');
  });

  it('says in one line what was wrong', { timeout: 120_000 }, async () => {
    expect(await run(['report', '--store', store, '--out', join(dir, 'x.html')])).toEqual({ code: 2, out: '', err: 'tripod report: --patient CODE is required\n' });
    expect(await run(['report', '--store', store, '--patient', 'P-7', '--session', 'x', '--out', 'a.html'])).toMatchObject({ code: 2, err: "tripod report: --session must be a session id (a whole number), got 'x'\n" });
    expect((await run(['report', '--store', store, '--patient', 'P-7', '--session', '99', '--out', join(dir, 'y.html')])).err).toMatch(/^tripod report: patient P-7 has no session 99 \(sessions: \d+ on 2026-04-0\d, \d+ on 2026-04-0\d\)\n$/);
    expect(await run(['report', '--store', store, '--patient', 'NOPE', '--out', join(dir, 'z.html')])).toMatchObject({ code: 1, err: "tripod report: no patient with code 'NOPE' (tripod patients lists them)\n" });
    expect(await run(['sessions', '--store', store, '--trials'])).toMatchObject({ code: 2, err: 'tripod sessions: --trials needs --patient CODE\n' });
    expect(await run(['sessions', '--store', store, '--format', 'xml'])).toMatchObject({ code: 2, err: "tripod sessions: --format must be table, csv or json, got 'xml'\n" });
    expect(await run(['patients', '--store', join(dir, 'none')])).toMatchObject({ code: 1, err: `tripod patients: no clinic store at ${join(dir, 'none')}: tripod live creates it, or give --store DIR\n` });
    expect((await run(['patients', '--store', store, '--add', 'bad code'])).err).toMatch(/^tripod patients: patient code must be 1-32 letters/);
    expect(await run(['patients', '--store', store, '--add', 'P-7'])).toMatchObject({ code: 1, err: 'tripod patients: patient P-7 already exists\n' });
  });
});
