/**
 * `tripod scan`: the boards this machine can reach: Tripod boards advertising over BLE (name, id,
 * RSSI), serial ports, and the simulated board (always there).
 */
import { escapeControl, terminalJson } from '../../util/terminal-text.ts';
import { boardErrorLine } from '../board-session.ts';
import type { CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { parsePositive } from '../source-flags.ts';

const HELP = `Usage: tripod scan [flags]

Lists the boards you can use: Tripod boards advertising over Bluetooth LE (name, id, signal
strength), serial ports, and the simulated board. Without Bluetooth on this machine, says so in one
line and lists the rest.

Flags:
  --timeout S           BLE scan time, s (default 5)
  --ble                 scan Bluetooth only (an error if this machine has no Bluetooth)
  --serial              list serial ports only
  --json                one JSON object: { ble: [...], ble_error, serial: [...], serial_warning, sim }
  --help                this text`;

export const command: CliCommand = {
  name: 'scan',
  summary: 'list reachable boards (BLE, serial ports, the simulated board)',
  help: HELP,
  options: { timeout: { type: 'string' }, ble: { type: 'boolean' }, serial: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.values.ble === true && ctx.values.serial === true) throw new UsageError('choose --ble or --serial, or neither for both');
    const timeoutS = parsePositive(ctx.values, 'timeout', 5)!;
    if (timeoutS > 3600) throw new UsageError(`--timeout ${timeoutS} s is longer than an hour: a scan needs seconds, e.g. --timeout 10`);
    const json = ctx.values.json === true;
    const doBle = ctx.values.serial !== true;
    const doSerial = ctx.values.ble !== true;
    let ble: Array<{ id: string; address: string; name: string; rssi: number }> = [];
    let bleError: string | null = null;
    if (doBle) {
      try {
        const central = await ctx.transports.bleCentral();
        ble = await central.scan(timeoutS * 1000, undefined, (b) => {
          if (!json) ctx.out.write(`ble     ${escapeControl(b.name || '(no name)').padEnd(16)} id ${b.id}  ${b.rssi} dBm\n`);
        });
      } catch (e) {
        bleError = boardErrorLine(e);
        if (ctx.values.ble === true) throw new RuntimeError(bleError);
        if (!json) ctx.err.write(`tripod scan: ${bleError}\n`);
      }
    }
    let serial: Array<{ path: string; manufacturer?: string }> = [];
    let serialWarning: string | null = null;
    if (doSerial) {
      const { listSerialPorts } = await import('../../transport/serial.ts');
      const r = await listSerialPorts();
      serial = r.ports;
      serialWarning = r.warning;
      if (!json) {
        if (r.warning) ctx.err.write(`tripod scan: ${r.warning}\n`);
        for (const p of r.ports) ctx.out.write(`serial  ${p.path}${p.manufacturer ? `  (${p.manufacturer})` : ''}\n`);
      }
    }
    const sim = ctx.values.ble !== true && ctx.values.serial !== true;
    if (json) {
      ctx.out.write(`${terminalJson({ ble, ble_error: bleError, serial, serial_warning: serialWarning, sim })}\n`);
    } else {
      if (sim) ctx.out.write('sim     the simulated board (--sim, the default)\n');
      if (doBle && !bleError && ble.length === 0) ctx.out.write(`ble     no Tripod board found in ${timeoutS} s\n`);
    }
    return 0;
  },
};
