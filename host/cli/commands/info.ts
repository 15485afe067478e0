/** `tripod info`: who the board is (firmware, protocol, rate, MTU, battery) and its calibration. */
import { BATTERY_MV_UNKNOWN, BATTERY_PERCENT_UNKNOWN, BOARD_MDBT42Q, BOARD_PUCKJS, type DeviceInfo } from '../../../protocol/index.ts';
import { escapeControl, terminalJson } from '../../util/terminal-text.ts';
import type { CliCommand } from '../command.ts';
import { openFromFlags, withSession } from '../board-session.ts';
import { SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';

const HELP = `Usage: tripod info [source] [flags]
       tripod info FILE.tripod [--json]

Connects to a board and prints its firmware and protocol versions, board model, sample rate, MTU,
battery, whether it runs the native code (BLE and the simulated board: Device Information's
Software Revision) and the per-cell calibration (offset in counts, scale in N per count, position
in mm).

With a recording FILE: its header (created, software, source, board, calibration and its source,
subject, notes) and what a replay finds (samples, lost, gaps, duration, rate, clean end or where it
was cut, damaged ranges).

${SOURCE_HELP}

Flags:
  --json                one JSON object: { source, info, calibration }
  --help                this text

Examples:
  tripod info                      the simulated board
  tripod info --ble Tripod-1A2B
  tripod info --serial /dev/ttyACM0 --json`;

export function boardModel(id: number): string {
  return id === BOARD_MDBT42Q ? 'MDBT42Q' : id === BOARD_PUCKJS ? 'Puck.js' : `unknown (${id})`;
}

export const command: CliCommand = {
  name: 'info',
  summary: 'show a board: firmware, protocol, rate, MTU, battery, calibration',
  help: HELP,
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    if (ctx.values.ble !== true && ctx.positionals.length === 1) {
      const { printRecordingInfo } = await import('../recording-info.ts');
      return printRecordingInfo(ctx, ctx.positionals[0]!);
    }
    const session = await openFromFlags(ctx, { stream: false });
    return withSession(session, async (s) => {
      const info = s.info as DeviceInfo;
      const cal = s.calibration;
      const software = s.transport.deviceSoftware ? await s.transport.deviceSoftware() : null;
      if (ctx.values.json === true) {
        ctx.out.write(
          `${terminalJson({
            source: s.transport.description,
            info,
            software,
            calibration: { source: cal.source, cells: cal.cells, positions_mm: cal.layout.cells },
          })}\n`,
        );
        return 0;
      }
      const battery =
        info.batteryPercent !== BATTERY_PERCENT_UNKNOWN
          ? `${info.batteryPercent} %`
          : info.batteryMv !== BATTERY_MV_UNKNOWN
            ? `${(info.batteryMv / 1000).toFixed(2)} V`
            : 'unknown';
      const lines = [
        `board       ${s.transport.description}`,
        `model       ${boardModel(info.boardId)}, ${info.cellCount} cells`,
        `firmware    ${info.firmwareMajor}.${info.firmwareMinor}.${info.firmwarePatch}, protocol ${info.protocolMajor}.${info.protocolMinor}`,
        `sampling    ${info.sampleRateHz} Hz, up to ${info.samplesPerFrame} samples per frame, key every ${info.keyInterval}, ${info.streaming ? 'streaming' : 'idle'}`,
        `link        MTU ${info.mtu || '-'}, ${info.payloadBytes} bytes per frame`,
        `runs        ${software === null ? 'unknown on this link (BLE Device Information tells)' : software === 'native' ? 'native (HX711 read and frame encoder as machine code)' : software}`,
        `battery     ${battery}`,
        `calibration ${cal.source}${info.calibrated ? '' : ' (not calibrated: run tripod calibrate)'}`,
        ...cal.cells.map((c, i) => {
          const p = cal.layout.cells[i]!;
          return `  cell ${i}    offset ${String(c.offset).padStart(9)} counts   scale ${c.scale.toExponential(4)} N/count   at (${p.x}, ${p.y}) mm`;
        }),
      ];
      ctx.out.write(`${lines.map(escapeControl).join('\n')}\n`); // a board's name or a calibration file path may hold anything
      return 0;
    });
  },
};
