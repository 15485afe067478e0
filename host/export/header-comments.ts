/**
 * The recording's header as `#` lines at the top of a CSV export, and reading them back.
 *
 *   # tripod export of s07.tripod
 *   # created: 2026-01-01T00:00:00.000Z
 *   # calibration: board
 *   ...
 *
 * One `# key: value` per line, keys in snake case; a value's newlines and backslashes are escaped
 * (`\n`, `\\`) so each field stays on its line. pandas reads the table with
 * `pd.read_csv(path, comment='#')`; R with `read.csv(path, comment.char='#')`; tools that cannot skip
 * them get `tripod export --no-header-comments`. `tripod analyze` reads them as the file's metadata.
 */

/** The fields a Tripod CSV header carries, in the order they are written. */
export interface HeaderFields {
  /** The recording exported (its path as given). */
  recording: string;
  created: string;
  software: string;
  source: string;
  /** Board model, firmware, protocol, rate; or 'unknown'. */
  board: string;
  firmware: string | null;
  /** Where the calibration came from ('board', a file, 'board (uncalibrated defaults)', ...). */
  calibration: string;
  calibrated: boolean;
  subject: string | null;
  notes: string | null;
  samples: number;
  /** 'N samples lost in G gap(s)'. */
  gaps: string;
  /** How the rows are timed (as received, or the resampling grid). */
  timing: string;
}

/** A value on one line: backslashes and newlines escaped as two characters each. Also the C3D's TRIPOD texts. */
export function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\r?\n|\r/g, '\\n');
}

export function unescapeValue(v: string): string {
  return v.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The `#` lines (each ending in LF) for `fields`; null fields are left out. */
export function headerComments(fields: HeaderFields): string {
  const { recording, ...rest } = fields;
  const lines = [`# tripod export of ${escapeValue(recording)}`];
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) continue;
    lines.push(`# ${k}: ${escapeValue(typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `# key: value` fields of the `#` lines that start a text (before its first other line). */
export function parseHeaderComments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/, 200)) {
    const l = line.trim();
    if (l === '') continue;
    if (!l.startsWith('#')) break;
    const m = /^#\s*tripod export of (.*)$/.exec(l) ?? null;
    if (m) {
      out.set('recording', unescapeValue(m[1]!));
      continue;
    }
    const kv = /^#\s*([a-z][a-z0-9_]*):\s?(.*)$/i.exec(l);
    if (kv) out.set(kv[1]!.toLowerCase(), unescapeValue(kv[2]!));
  }
  return out;
}
