/**
 * `tripod record --duration S --out FILE`: a lossless recording (every message as received, with
 * host receive times and a header with board info and calibration; format in
 * host/recording/format.ts). Crash-safe: a killed process leaves a file that replays up to the last
 * complete record.
 */
import type { CliCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { ProgressBar } from '../progress.ts';
import { openFromFlags, withSession } from '../board-session.ts';
import { parsePositive, SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';
import { describeEvent } from './replay.ts';

const HELP = `Usage: tripod record --out FILE [--duration S] [source] [flags]

Records a board's stream losslessly to FILE (.tripod): every frame exactly as received with its
host receive time, plus a header with the board's info, its calibration, the subject id and notes.
Link losses are recorded where they happened; samples the board could not deliver show up as gaps
with their exact size. Stops after --duration seconds, or on Ctrl-C (the file is closed cleanly).

${SOURCE_HELP}

Flags:
  --out FILE            where to write (required; refuses to overwrite without --force)
  --duration S          seconds to record (default: until Ctrl-C)
  --subject ID          subject identifier stored in the header
  --notes TEXT          free-text session notes stored in the header
  --force               overwrite FILE if it exists
  --json                print a JSON summary at the end: file, bytes, samples, lost, duplicates,
                        gaps, link_losses, duration_s, rate_hz
  --help                this text

Examples:
  tripod record --duration 30 --out s01.tripod --subject S01
  tripod record --ble Tripod-1A2B --duration 60 --out left.tripod`;

export const command: CliCommand = {
  name: 'record',
  summary: 'record a board losslessly to a .tripod file',
  help: HELP,
  options: {
    ...SOURCE_OPTIONS,
    out: { type: 'string' },
    duration: { type: 'string' },
    subject: { type: 'string' },
    notes: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  async run(ctx) {
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '') throw new UsageError('--out FILE is required: where to write the recording');
    const duration = parsePositive(ctx.values, 'duration', null);
    const json = ctx.values.json === true;
    const session = await openFromFlags(ctx, {
      record: {
        path: out,
        subjectId: typeof ctx.values.subject === 'string' ? ctx.values.subject : null,
        notes: typeof ctx.values.notes === 'string' ? ctx.values.notes : null,
        overwrite: ctx.values.force === true,
      },
    });
    return withSession(session, async (s) => {
      let linkLosses = 0;
      const progress = new ProgressBar(ctx.err, { label: `recording ${out}`, total: duration, unit: 's' });
      s.events$.subscribe((e) => {
        if (e.type === 'link-lost') linkLosses++;
        if (e.type === 'gap' || e.type === 'link-lost' || e.type === 'link-restored' || e.type === 'device-overflow' || e.type === 'consumer-overflow') {
          progress.done();
          ctx.err.write(`tripod record: ${describeEvent(e)}\n`);
        }
      });
      const t0 = Date.now();
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          const el = (Date.now() - t0) / 1000;
          progress.update(Math.min(el, duration ?? el), `${s.stats().samples} samples`);
        }, 200);
        const timer = duration !== null ? setTimeout(done, duration * 1000) : undefined;
        function done(): void {
          clearInterval(tick);
          if (timer) clearTimeout(timer);
          ctx.signal.removeEventListener('abort', done);
          resolve();
        }
        ctx.signal.addEventListener('abort', done);
        void s.finished.then(done);
      });
      progress.done();
      const w = s.recording!;
      await s.close(); // stops the stream, writes the END record
      const st = s.stats();
      const summary = {
        file: out,
        bytes: w.bytes,
        samples: st.samples,
        lost: st.lost,
        duplicates: st.duplicates,
        gaps: st.gaps,
        link_losses: linkLosses,
        duration_s: Math.round(st.durationS * 1e4) / 1e4,
        rate_hz: st.rateHz === null ? null : Math.round(st.rateHz * 1000) / 1000,
      };
      if (json) ctx.out.write(`${JSON.stringify(summary)}\n`);
      else ctx.out.write(`${out}: ${summary.samples} samples, ${summary.duration_s.toFixed(1)} s, ${summary.lost} lost in ${summary.gaps} gap(s), ${linkLosses} link loss(es), ${summary.bytes} bytes\n`);
      return 0;
    });
  },
};
