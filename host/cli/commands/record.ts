/**
 * `tripod record --duration S --out FILE`: a lossless recording (every message as received, with
 * host receive times and a header with board info and calibration; format in
 * host/recording/FORMAT.md). Crash-safe: a killed process leaves a file that replays up to the last
 * complete record. Several BLE boards at once (`--ble LEFT RIGHT`) record one file each.
 */
import { optionTable, type CliCommand, type CommandContext } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { ProgressBar } from '../progress.ts';
import { openFromFlags, openSource, withSession } from '../board-session.ts';
import { parseBleTargets, parseDuration, SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';
import type { BoardSession, OpenBoardOptions } from '../../session.ts';
import { describeEvent } from './replay.ts';
import { setLongTimeout } from '../../util/long-timeout.ts';
import { checkWritable } from '../../util/atomic-write.ts';

const HELP = `Usage: tripod record --out FILE [--duration S] [source] [flags]

Records a board's stream losslessly to FILE (.tripod): every frame exactly as received with its
host receive time, plus a header with the board's info, its calibration, the subject id and notes.
Link losses are recorded where they happened; samples the board could not deliver show up as gaps
with their exact size. Stops after --duration seconds, or on Ctrl-C (the file is closed cleanly).

${SOURCE_HELP}
  --ble ID1 ID2 ...     several boards at once (e.g. left and right): one file per board,
                        FILE with -ID before its extension

Flags:
  --out FILE            where to write (required; refuses to overwrite without --force; checked
                        before the board is opened). A full disk stops the recording with one line
                        and exit 1; every record written before stays intact
  --duration S          seconds to record (default: until Ctrl-C)
  --subject ID          subject identifier stored in the header
  --notes TEXT          free-text session notes stored in the header
  --force               overwrite FILE if it exists
  --json                print a JSON summary at the end: file, bytes, samples, lost, duplicates,
                        gaps, link_losses, duration_s, rate_hz ({ boards: [...] } for several)
  --help                this text

Examples:
  tripod record --duration 30 --out s01.tripod --subject S01
  tripod record --ble Tripod-1A2B --duration 60 --out left.tripod
  tripod record --ble Tripod-1A2B Tripod-3C4D --duration 60 --out s01.tripod`;

interface RecordSummary {
  file: string;
  bytes: number;
  samples: number;
  lost: number;
  duplicates: number;
  gaps: number;
  link_losses: number;
  duration_s: number;
  rate_hz: number | null;
  /** Why the recording stopped early (a write error such as a full disk), or null. */
  error: string | null;
}

/** `s01.tripod` + `Tripod-1A2B` -> `s01-Tripod-1A2B.tripod`. */
export function perBoardPath(out: string, target: string): string {
  const safe = target.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const m = /^(.*?)(\.[^./]*)?$/.exec(out)!;
  return `${m[1]}-${safe}${m[2] ?? ''}`;
}

export const command: CliCommand = {
  name: 'record',
  summary: 'record a board losslessly to a .tripod file',
  help: HELP,
  options: { ...SOURCE_OPTIONS, ...optionTable(['out', 'duration', 'subject', 'notes'], ['force', 'json']) },
  allowPositionals: true,
  async run(ctx) {
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '') throw new UsageError('--out FILE is required: where to write the recording');
    const duration = parseDuration(ctx.values);
    const json = ctx.values.json === true;
    const targets = parseBleTargets(ctx.values, ctx.positionals);
    // Every output is checked before a board is touched: a typo in --out must not cost a connect.
    for (const f of targets === null ? [out] : targets.map((t) => perBoardPath(out, t))) {
      try {
        checkWritable(f, { overwrite: ctx.values.force === true });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const recordOpts = (path: string): OpenBoardOptions['record'] => ({
      path,
      subjectId: typeof ctx.values.subject === 'string' ? ctx.values.subject : null,
      notes: typeof ctx.values.notes === 'string' ? ctx.values.notes : null,
      overwrite: ctx.values.force === true,
    });
    if (targets === null) {
      const session = await openFromFlags(ctx, { record: recordOpts(out) });
      return withSession(session, async (s) => {
        const [summary] = await recordSessions(ctx, [s], [out], duration);
        if (json) ctx.out.write(`${JSON.stringify(summary)}\n`);
        else ctx.out.write(`${line(summary!)}\n`);
        return summary!.error ? 1 : 0;
      });
    }
    const calibrationFile = typeof ctx.values.calibration === 'string' ? ctx.values.calibration : null;
    const sessions: BoardSession[] = [];
    const files = targets.map((t) => perBoardPath(out, t));
    try {
      let central;
      try {
        central = await ctx.transports.bleCentral();
      } catch (e) {
        throw new RuntimeError((e as Error).message);
      }
      for (let i = 0; i < targets.length; i++) {
        sessions.push(await openSource({ kind: 'ble', id: targets[i] }, calibrationFile, { transports: ctx.transports, ble: { central }, record: recordOpts(files[i]!) }));
      }
      const summaries = await recordSessions(ctx, sessions, files, duration);
      if (json) ctx.out.write(`${JSON.stringify({ boards: summaries })}\n`);
      else for (const s of summaries) ctx.out.write(`${line(s)}\n`);
      return summaries.some((s) => s.error) ? 1 : 0;
    } finally {
      for (const s of sessions) await s.close();
    }
  },
};

function line(s: RecordSummary): string {
  return `${s.file}: ${s.samples} samples, ${s.duration_s.toFixed(1)} s, ${s.lost} lost in ${s.gaps} gap(s), ${s.link_losses} link loss(es), ${s.bytes} bytes`;
}

/** Records until the duration, Ctrl-C or the end of every stream; closes the sessions; summarises. */
async function recordSessions(ctx: CommandContext, sessions: BoardSession[], files: string[], duration: number | null): Promise<RecordSummary[]> {
  const linkLosses = sessions.map(() => 0);
  const label = files.length === 1 ? `recording ${files[0]}` : `recording ${files.length} boards`;
  const progress = new ProgressBar(ctx.err, { label, total: duration, unit: 's' });
  let stopForError: () => void = () => {};
  sessions.forEach((s, i) => {
    const prefix = sessions.length > 1 ? `${files[i]}: ` : '';
    // A write error (full disk) stops this recording: one line, then the summary of what is on disk.
    s.recording?.onError((text) => {
      progress.done();
      ctx.err.write(`tripod record: ${text}\n`);
      stopForError();
    });
    s.events$.subscribe((e) => {
      if (e.type === 'link-lost') linkLosses[i]!++;
      if (e.type === 'gap' || e.type === 'link-lost' || e.type === 'link-restored' || e.type === 'device-overflow' || e.type === 'consumer-overflow' || (e.type === 'device-event' && typeof e.detail.message === 'string')) {
        progress.done();
        ctx.err.write(`tripod record: ${prefix}${describeEvent(e)}\n`);
      }
    });
  });
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const el = (Date.now() - t0) / 1000;
      progress.update(Math.min(el, duration ?? el), `${sessions.reduce((a, s) => a + s.stats().samples, 0)} samples`);
    }, 200);
    const timer = duration !== null ? setLongTimeout(done, duration * 1000) : undefined;
    function done(): void {
      clearInterval(tick);
      timer?.clear();
      ctx.signal.removeEventListener('abort', done);
      resolve();
    }
    ctx.signal.addEventListener('abort', done);
    stopForError = done;
    void Promise.all(sessions.map((s) => s.finished)).then(done);
  });
  progress.done();
  const out: RecordSummary[] = [];
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i]!;
    const w = s.recording!;
    await s.close(); // stops the stream, writes the END record
    const st = s.stats();
    out.push({
      file: files[i]!,
      bytes: w.bytes,
      samples: st.samples,
      lost: st.lost,
      duplicates: st.duplicates,
      gaps: st.gaps,
      link_losses: linkLosses[i]!,
      duration_s: Math.round(st.durationS * 1e4) / 1e4,
      rate_hz: st.rateHz === null ? null : Math.round(st.rateHz * 1000) / 1000,
      error: w.error,
    });
  }
  return out;
}
