/** `tripod sessions`: the stored sessions (or, with --trials, every trial) of one or all patients. */
import type { CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { formatOf, listing, openStoreFromFlags, STORE_HELP, STORE_OPTIONS, writeListing } from '../store-flags.ts';

const HELP = `Usage: tripod sessions [--patient CODE] [--trials] [--format table|csv|json] [--out FILE]

Lists the sessions in the clinic store (one per patient and day) with their trial counts; with
--trials, one row per trial: conditions (foot, eyes, surface, set duration s) and the headline
numbers with their units in the column names (time_held_s, in_zone_pct, velocity_mm_s,
area95_mm2, ...), the board and the recording file. JSON with --trials also carries each trial's
full result table.

  --patient CODE        only this patient (required with --trials)
  --trials              trials instead of sessions
  --format F            table (default), csv or json
  --out FILE            write there instead of stdout

${STORE_HELP}

Examples:
  tripod sessions --patient P-014
  tripod sessions --patient P-014 --trials --format csv --out p014.csv`;

export const command: CliCommand = {
  name: 'sessions',
  summary: 'list or export the stored sessions and trials (table, CSV, JSON)',
  help: HELP,
  options: { ...STORE_OPTIONS, patient: { type: 'string' }, trials: { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const v = ctx.values;
    const format = formatOf(v);
    const code = typeof v.patient === 'string' ? v.patient : undefined;
    if (v.trials === true && code === undefined) throw new UsageError('--trials needs --patient CODE');
    const store = await openStoreFromFlags(v);
    try {
      const patient = code === undefined ? null : await store.patient(code);
      if (code !== undefined && !patient) throw new RuntimeError(`no patient with code '${code}' (tripod patients lists them)`);
      const { sessionsCsv, trialsCsv } = await import('../../clinic/export.ts');
      let text: string;
      if (v.trials === true && patient) {
        const trials = await store.trials(patient.id);
        if (format === 'json') {
          const full = [];
          for (const t of trials) {
            const d = (await store.trial(t.id))!;
            full.push({ ...t, rows: d.rows, board: d.board, calibration: d.calibration, fromIndex: d.fromIndex, toIndex: d.toIndex });
          }
          text = `${JSON.stringify({ format: 'tripod-trials', version: 1, patient: patient.code, trials: full }, null, 2)}\n`;
        } else if (format === 'csv') text = trialsCsv(patient.code, trials);
        else {
          text = `${['trial', 'date'.padEnd(10), 'foot ', 'eyes  ', 'surface', 'held s', 'errors', 'in zone %', 'velocity mm/s'].join('  ')}\n${trials
            .map((t) =>
              [String(t.id).padStart(5), t.sessionDate, t.conditions.foot.padEnd(5), t.conditions.eyes.padEnd(6), t.conditions.surface.padEnd(7), (t.summary.timeHeldS?.toFixed(1) ?? '—').padStart(6),
                String(t.summary.errors ?? '—').padStart(6), (t.summary.inZonePct?.toFixed(1) ?? '—').padStart(9), (t.summary.velocityMmS?.toFixed(1) ?? '—').padStart(13)].join('  '),
            )
            .join('\n')}\n`;
        }
      } else {
        const ss = await store.sessions(patient?.code);
        text = listing(format, {
          json: () => ({ format: 'tripod-sessions', version: 1, sessions: ss }),
          csv: () => sessionsCsv(ss),
          table: () =>
            ss.length === 0
              ? 'no sessions stored yet\n'
              : `session  patient       date        trials\n${ss.map((s) => `${String(s.id).padStart(7)}  ${s.patientCode.padEnd(12)}  ${s.date}  ${String(s.trials).padStart(6)}`).join('\n')}\n`,
        });
      }
      await writeListing(v.out, text, ctx.out);
      return 0;
    } finally {
      await store.close();
    }
  },
};
