/** `tripod patients`: list the clinic's patients (or add one), as a table, CSV or JSON. */
import type { CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { formatOf, listing, openStoreFromFlags, STORE_HELP, STORE_OPTIONS, writeListing } from '../store-flags.ts';

const HELP = `Usage: tripod patients [--add CODE [--name NAME] [--notes TEXT]] [--format table|csv|json] [--out FILE]

Lists the patients in the clinic store: code, name, sessions, trials, last session date.
--add stores a new patient (a pseudonymous code: 1-32 letters, digits, '.', '_', '-').

  --add CODE            add a patient with this code
  --name NAME           optional name (with --add)
  --notes TEXT          optional notes (with --add)
  --format F            table (default), csv or json
  --out FILE            write there instead of stdout

${STORE_HELP}

Examples:
  tripod patients
  tripod patients --add P-014 --notes "ankle sprain, left"
  tripod patients --format csv --out patients.csv`;

export const command: CliCommand = {
  name: 'patients',
  summary: 'list or add the clinic store\'s patients (table, CSV, JSON)',
  help: HELP,
  options: { ...STORE_OPTIONS, add: { type: 'string' }, name: { type: 'string' }, notes: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const v = ctx.values;
    const format = formatOf(v);
    if (v.add === undefined && (v.name !== undefined || v.notes !== undefined)) throw new UsageError('--name and --notes go with --add CODE');
    const store = await openStoreFromFlags(v, v.add === undefined);
    try {
      if (typeof v.add === 'string') {
        const p = await store.createPatient({ code: v.add, name: (v.name as string | undefined) ?? null, notes: (v.notes as string | undefined) ?? null }).catch((e: unknown) => {
          throw new RuntimeError((e as Error).message);
        });
        ctx.out.write(`added patient ${p.code}\n`);
        return 0;
      }
      const ps = await store.patients();
      const { patientsCsv } = await import('../../clinic/export.ts');
      const text = listing(format, {
        json: () => ({ format: 'tripod-patients', version: 1, patients: ps }),
        csv: () => patientsCsv(ps),
        table: () =>
          ps.length === 0
            ? 'no patients yet (add one on the live page or with --add CODE)\n'
            : `${['code'.padEnd(12), 'sessions', 'trials', 'last session', 'name'].join('  ')}\n${ps
                .map((p) => [p.code.padEnd(12), String(p.sessions).padStart(8), String(p.trials).padStart(6), (p.lastDate ?? '—').padEnd(12), p.name ?? ''].join('  '))
                .join('\n')}\n`,
      });
      await writeListing(v.out, text, ctx.out);
      return 0;
    } finally {
      await store.close();
    }
  },
};
