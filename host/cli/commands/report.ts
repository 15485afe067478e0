/** `tripod report`: the printable HTML report of a patient's sessions (one A4 page per session). */
import { writeFileSync } from 'node:fs';
import type { CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { openStoreFromFlags, STORE_HELP, STORE_OPTIONS } from '../store-flags.ts';

const HELP = `Usage: tripod report --patient CODE [--session ID] --out FILE.html

Writes a printable report: one A4 page per session with the patient code, date, board and
calibration, the trials table with units, the CoP trace over the foot with the tripod triangle and
target zone, the tripod shares, the progress charts up to that session, the next level, and what
every number means. Open it in a browser and print (to PDF) as is.

  --patient CODE        the patient (required)
  --session ID          only this session (tripod sessions --patient CODE lists them)
  --out FILE            the HTML file to write (required)

${STORE_HELP}

Example:
  tripod report --patient P-014 --out p014.html`;

export const command: CliCommand = {
  name: 'report',
  summary: 'write a printable HTML report of a patient\'s sessions',
  help: HELP,
  options: { ...STORE_OPTIONS, patient: { type: 'string' }, session: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const v = ctx.values;
    if (typeof v.patient !== 'string') throw new UsageError('--patient CODE is required');
    if (typeof v.out !== 'string' || v.out === '') throw new UsageError('--out FILE.html is required');
    let session: number | undefined;
    if (v.session !== undefined) {
      session = Number(v.session);
      if (!Number.isInteger(session) || session < 1) throw new UsageError(`--session must be a session id (a whole number), got '${String(v.session)}'`);
    }
    const store = await openStoreFromFlags(v);
    try {
      const { loadReport, renderReport } = await import('../../clinic/report.ts');
      const input = await loadReport(store, v.patient, session).catch((e: unknown) => {
        throw new RuntimeError((e as Error).message);
      });
      try {
        writeFileSync(v.out, renderReport(input));
      } catch (e) {
        throw new RuntimeError(`cannot write ${v.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const n = input.sessions.length;
      ctx.out.write(`tripod report: ${v.out} (${input.patient.code}, ${n} session${n === 1 ? '' : 's'}, ${input.sessions.reduce((a, s) => a + s.trials.length, 0)} trials)\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
