/** The clinic store flags shared by `tripod patients`, `sessions` and `report`. */
import type { OptionSpec } from './command.ts';
import { RuntimeError, UsageError } from './errors.ts';
import type { ClinicStore } from '../clinic/types.ts';

export const STORE_OPTIONS: OptionSpec = {
  store: { type: 'string' },
  database: { type: 'string' },
};

export const STORE_HELP = `Store:
  --store DIR           embedded store directory (default $TRIPOD_STORE or ~/.local/share/tripod/clinic)
  --database URL        a PostgreSQL server instead (default $TRIPOD_DATABASE_URL)`;

export async function openStoreFromFlags(values: Record<string, unknown>, mustExist = true): Promise<ClinicStore> {
  const { openClinicStore, storeLocation } = await import('../clinic/open.ts');
  const { existsSync } = await import('node:fs');
  const loc = storeLocation({
    ...(typeof values.store === 'string' ? { store: values.store } : {}),
    ...(typeof values.database === 'string' ? { database: values.database } : {}),
  });
  if (typeof values.store === 'string' && typeof values.database === 'string') throw new UsageError('give --store or --database, not both');
  if (loc.dir && mustExist && !existsSync(loc.dir)) throw new RuntimeError(`no clinic store at ${loc.dir}: tripod live creates it, or give --store DIR`);
  try {
    return await openClinicStore(loc);
  } catch (e) {
    throw new RuntimeError((e as Error).message);
  }
}

export function formatOf(values: Record<string, unknown>): 'table' | 'csv' | 'json' {
  const f = values.format ?? 'table';
  if (f === 'table' || f === 'csv' || f === 'json') return f;
  throw new UsageError(`--format must be table, csv or json, got '${String(f)}'`);
}

/** The text of a listing in the chosen format (each form built only when chosen). */
export function listing(format: 'table' | 'csv' | 'json', forms: { json: () => unknown; csv: () => string; table: () => string }): string {
  if (format === 'json') return `${JSON.stringify(forms.json(), null, 2)}\n`;
  return format === 'csv' ? forms.csv() : forms.table();
}

/** Writes to --out FILE, or to the command's stdout. */
export async function writeListing(out: unknown, text: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (typeof out !== 'string') {
    stdout.write(text);
    return;
  }
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync(out, text);
  } catch (e) {
    throw new RuntimeError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
