/**
 * `tripod replay FILE`: plays a recording back through the same decoder, calibration and CoP as a
 * live board, at real time, any factor, or as fast as possible, and summarises what it holds.
 */
import { terminalJson } from '../../util/terminal-text.ts';
import { optionTable, type CliCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { ProgressBar } from '../progress.ts';
import { openRecordingSession, parseSpeed, replaySummary, stopOnBrokenPipe } from '../recording-input.ts';
import type { ReplayTransport } from '../../transport/replay.ts';
import { parseStanceFlags, STANCE_FLAGS } from '../stance-flags.ts';
import { DEFAULT_FOOT_LENGTH_MM, type StanceSetup } from '../../scoring/stance.ts';
import type { BlockScoreSummary } from '../../scoring/block.ts';
import { streamingSwayJson } from '../../scoring/sway.ts';

const HELP = `Usage: tripod replay FILE [flags]

Plays a Tripod recording (.tripod) back through the decoder, calibration and CoP, printing one
status line per second of recording, then a summary (samples, lost, duplicates, duration, rate).
A recording cut short (crash, kill) or damaged plays up to what is intact; the summary says where it
stopped (byte offset).

Flags:
  --speed X            playback speed: 1 = real time (default), 10 = ten times faster, max = as
                       fast as possible (the default with --json, which prints only the summary)
  --calibration FILE   calibration JSON instead of the one stored in the recording
  --foot left|right    also score the stance foot, as the live page does: every loaded sample
                       (a CoP and at least 50 N) gets its tripod shares and in-zone flag; the
                       summary adds the time loaded, % of it in the tripod zone and the sway of
                       the loaded samples (tripod analyze gives per-stance sway metrics)
  --foot-length MM     heel to longest toe with --foot, 100..400 (default 260)
  --target NAME        with --foot: clinical (equal thirds, default) or physiological
  --layout FILE        with --foot: board layout JSON with the foot marks (default: the Tripod board)
  --json               print only a JSON summary: samples, lost, duplicates, gaps, duration_s,
                       rate_hz, rejected_frames, link_losses, clean_end, stopped_at_byte, damaged,
                       reordered (frames out of order in the file, put back), header_recovery, speed;
                       with --foot also scoring: foot, target, foot_length_mm, loaded_samples,
                       loaded_s, in_zone_s, in_zone_pct, sway (n, duration_s, path_mm,
                       velocity_mm_s, ..., area95_mm2; null under two loaded samples)
  --help               this text

Examples:
  tripod replay session.tripod --speed max --json
  tripod replay session.tripod --speed 4
  tripod replay session.tripod --speed max --foot right`;

export const command: CliCommand = {
  name: 'replay',
  summary: 'play a recording back (1x, any factor or max) and summarise it',
  help: HELP,
  options: optionTable(['speed', 'calibration', ...STANCE_FLAGS], ['json']),
  allowPositionals: true,
  async run(ctx) {
    const [file, ...extra] = ctx.positionals;
    if (file === undefined) throw new UsageError('name the recording to replay: tripod replay FILE');
    if (extra.length) throw new UsageError(`replay takes one file, got also '${extra[0]}'`);
    const json = ctx.values.json === true;
    // --json prints nothing until the end: playing it in real time would only make the user wait.
    const speed = json && ctx.values.speed === undefined ? Infinity : parseSpeed(ctx.values.speed);
    const stance = await parseStanceFlags(ctx.values, null);
    const scorer = stance === null ? null : (await import('../../scoring/block.ts')).createBlockScorer(stance);
    const session = await openRecordingSession(file, speed, typeof ctx.values.calibration === 'string' ? ctx.values.calibration : null);
    const transport = session.transport as ReplayTransport;
    let linkLosses = 0;
    let nextLineT = 0;
    let broken = false;
    const progress = new ProgressBar(ctx.err, { label: 'replaying', total: null, unit: 'samples' });
    session.events$.subscribe((e) => {
      if (e.type === 'link-lost') linkLosses++;
      if (!json && (e.type === 'gap' || e.type === 'link-lost' || e.type === 'link-restored' || e.type === 'device-overflow' || (e.type === 'device-event' && typeof e.detail.message === 'string'))) {
        progress.done();
        ctx.out.write(`  ${describeEvent(e)}\n`);
      }
    });
    // Blocks, not samples: at --speed max a replay makes no object per sample (pipeline/block.ts).
    session.blocks$.subscribe((b) => {
      if (b.count === 0) return;
      scorer?.push(b);
      progress.update(b.index[b.count - 1]!);
      if (json || speed === Infinity || broken) return;
      for (let k = 0; k < b.count; k++) {
        const t = b.t[k]!;
        if (t < nextLineT) continue;
        nextLineT = Math.floor(t) + 1;
        const x = b.copX[k]!;
        const cop = Number.isNaN(x) ? 'CoP -- (below 20 N)' : `CoP x ${fmtSigned(x)} y ${fmtSigned(b.copY[k]!)} mm`;
        ctx.out.write(`t ${t.toFixed(1).padStart(7)} s  total ${b.total[k]!.toFixed(1).padStart(7)} N  ${cop}\n`);
      }
    });
    const onAbort = (): void => void session.close();
    ctx.signal.addEventListener('abort', onAbort);
    const unhook = stopOnBrokenPipe(ctx.out, () => {
      broken = true;
      onAbort();
    });
    await session.finished;
    ctx.signal.removeEventListener('abort', onAbort);
    if (broken) return 0;
    unhook();
    await session.close();
    progress.done();
    const summary = replaySummary(file, session, linkLosses);
    const damage = transport.damageSummary();
    const scoring = scorer === null || stance === null ? null : scoringSummary(stance, scorer.summary());
    if (json) {
      ctx.out.write(`${terminalJson({ ...summary, speed: speed === Infinity ? 'max' : speed, ...(scoring ? { scoring } : {}) })}\n`);
    } else {
      ctx.out.write(
        `${file}: ${summary.samples} samples over ${summary.duration_s.toFixed(2)} s (${summary.rate_hz?.toFixed(2) ?? '-'} Hz), ` +
          `${summary.lost} lost in ${summary.gaps} gap(s), ${summary.duplicates} duplicate(s), ${summary.reordered} frame(s) out of order put back, ${summary.link_losses} link loss(es)\n`,
      );
      if (scoring) ctx.out.write(`${scoringLine(scoring)}\n`);
    }
    if (damage) ctx.err.write(`tripod replay: ${damage}\n`);
    return 0;
  },
};

/** The --json `scoring` object: what the block scorer found over the whole replay. */
export function scoringSummary(stance: StanceSetup, s: BlockScoreSummary): ReplayScoring {
  return {
    foot: stance.foot,
    target: typeof stance.target === 'string' ? stance.target : 'custom',
    foot_length_mm: stance.footLengthMm ?? DEFAULT_FOOT_LENGTH_MM,
    loaded_samples: s.loadedSamples,
    loaded_s: s.loadedS,
    in_zone_s: s.inZoneS,
    in_zone_pct: s.inZonePct,
    sway: s.sway === null ? null : streamingSwayJson(s.sway),
  };
}

export interface ReplayScoring {
  foot: string;
  target: string;
  foot_length_mm: number;
  loaded_samples: number;
  /** Loaded time and time in the tripod zone, s (time-weighted as the live scorer). */
  loaded_s: number;
  in_zone_s: number;
  in_zone_pct: number;
  sway: Record<string, number> | null;
}

function scoringLine(s: ReplayScoring): string {
  const head = `${s.foot} foot, ${s.target} target: loaded ${s.loaded_s.toFixed(1)} s (${s.loaded_samples} samples)`;
  if (s.loaded_samples === 0) return `${head}: nobody stood on the board (no sample with a CoP and 50 N or more)`;
  const sw = s.sway;
  const sway = sw === null ? '' : `; sway of the loaded samples: path ${sw.path_mm!.toFixed(0)} mm, mean velocity ${sw.velocity_mm_s!.toFixed(1)} mm/s, 95 % ellipse ${sw.area95_mm2!.toFixed(0)} mm2`;
  return `${head}, ${s.in_zone_pct.toFixed(1)} % of it in the tripod zone${sway}`;
}

function fmtSigned(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}`.padStart(7);
}

export function describeEvent(e: { type: string } & Record<string, unknown>): string {
  switch (e.type) {
    case 'gap':
      return `gap: ${e.count} sample(s) missing from index ${e.fromIndex} (${e.reason})`;
    case 'link-lost':
      return `link lost: ${e.reason}`;
    case 'link-restored':
      return 'link restored';
    case 'device-overflow':
      return `board dropped ${e.dropped} sample(s) (its buffer overflowed)`;
    case 'device-event': {
      const d = (e.detail ?? {}) as Record<string, unknown>;
      return typeof d.message === 'string' ? `board ${e.name}: ${d.message}` : `board event ${e.name}`;
    }
    default:
      return e.type;
  }
}
