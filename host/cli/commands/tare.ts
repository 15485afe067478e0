/** `tripod tare`: zero the board with nothing on it (the board stores the new offsets). */
import type { CliCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseDecimal } from '../../util/strict-number.ts';
import { openFromFlags, withSession } from '../board-session.ts';
import { SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';

const HELP = `Usage: tripod tare [source] [flags]

Zeroes the four cells: the board averages its readings with nothing on the plate, stores the new
offsets (counts) in flash and uses them from then on. Step off the board first.

${SOURCE_HELP}

Flags:
  --samples N           readings to average, 1..255 (default: the board's own default)
  --json                one JSON object: { offsets, calibration }
  --help                this text`;

export const command: CliCommand = {
  name: 'tare',
  summary: 'zero the board (store new per-cell offsets)',
  help: HELP,
  options: { ...SOURCE_OPTIONS, samples: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    let samples = 0;
    if (ctx.values.samples !== undefined) {
      samples = typeof ctx.values.samples === 'string' ? (parseDecimal(ctx.values.samples) ?? NaN) : NaN;
      if (!Number.isInteger(samples) || samples < 1 || samples > 255) throw new UsageError(`--samples must be an integer 1..255, got '${String(ctx.values.samples)}'`);
    }
    const session = await openFromFlags(ctx, { stream: false });
    return withSession(session, async (s) => {
      const cal = await s.tare(samples);
      const offsets = cal.cells.map((c) => c.offset);
      if (ctx.values.json === true) ctx.out.write(`${JSON.stringify({ offsets, calibration: { source: cal.source, cells: cal.cells } })}\n`);
      else ctx.out.write(`tared ${s.transport.description}: offsets ${offsets.join(', ')} counts\n`);
      return 0;
    });
  },
};
