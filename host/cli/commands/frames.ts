/** `tripod frames N`: how many samples the board puts in one frame (latency against notifications per second). */
import type { CliCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseDecimal } from '../../util/strict-number.ts';
import { openFromFlags, withSession } from '../board-session.ts';
import { SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';
import { RADIO_LOSS_FRAME_SAMPLES } from '../../pipeline/radio-loss.ts';
import { FRAME_SAMPLES_REFERENCE } from '../../../protocol/index.ts';

const HELP = `Usage: tripod frames N [source] [flags]

Sets how many samples the board puts in one frame (SET_FRAME_SAMPLES, protocol/SPEC.md 4.5) and
stores it on the board. Fewer samples per frame: lower latency, more notifications per second.
  ${FRAME_SAMPLES_REFERENCE}   the default: about 35 ms from load to host (p99), 40 notifications/s at 80 Hz;
      needs a connection interval of 25 ms or less (the board asks the computer for 15 ms)
  ${RADIO_LOSS_FRAME_SAMPLES}   20 notifications/s, for a computer whose Bluetooth grants 30 ms or more; the host
      switches a board to ${RADIO_LOSS_FRAME_SAMPLES} by itself when it sees frames lost on the radio
      (a radio-loss event): run \`tripod frames ${FRAME_SAMPLES_REFERENCE}\` to go back
The board clamps N to what it supports and answers the value in use. Needs a paired host
(tripod pair).

${SOURCE_HELP}

Flags:
  --json                one JSON object: { samplesPerFrame }
  --help                this text`;

export const command: CliCommand = {
  name: 'frames',
  summary: 'set the samples per frame the board sends (latency against notifications per second)',
  help: HELP,
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    // N is the first positional that is a number; the others belong to the source (--ble NAME).
    const at = ctx.positionals.findIndex((p) => /^[0-9]+$/.test(p));
    if (at < 0) throw new UsageError(`tripod frames needs N, the samples per frame (1..255; ${FRAME_SAMPLES_REFERENCE} is the default)${ctx.positionals.length > 0 ? `, got '${ctx.positionals.join(' ')}'` : ''}`);
    const arg = ctx.positionals[at]!;
    const n = parseDecimal(arg) ?? NaN;
    if (!Number.isInteger(n) || n < 1 || n > 255) throw new UsageError(`N must be an integer 1..255 (samples per frame), got '${arg}'`);
    const session = await openFromFlags({ ...ctx, positionals: ctx.positionals.filter((_, i) => i !== at) }, { stream: false });
    return withSession(session, async (s) => {
      if (!s.commands) throw new UsageError('a recording has no board to set: name a board (--sim, --ble, --serial)');
      const used = await s.commands.setFrameSamples(n);
      if (ctx.values.json === true) ctx.out.write(`${JSON.stringify({ samplesPerFrame: used })}\n`);
      else ctx.out.write(`${s.transport.description}: ${used} samples per frame${used !== n ? ` (asked for ${n}; the board's limit)` : ''}\n`);
      return 0;
    });
  },
};
