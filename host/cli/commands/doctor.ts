/**
 * `tripod doctor`: what this machine needs for a board source, one line per check, and the one thing
 * to do for each that is not fine. Exit 0 only when everything the chosen source needs is fine.
 */
import { optionTable, type CliCommand } from '../command.ts';
import { UsageError } from '../errors.ts';

const HELP = `Usage: tripod doctor [--sim | --ble | --serial [PATH]] [--live] [--json]
       tripod doctor --build-ble [--if-possible]

Checks what a board source needs on this machine: Node, the built firmware (simulated board), the
Bluetooth binding (built or not, and the command that builds it), the adapter (present, blocked by
rfkill, powered), raw-socket permission (cap_net_raw), BlueZ holding the adapter, serialport's
binding, serial ports and their group (dialout), a browser for tripod live. One line each: ok, FAIL
(with what to do), warn or skip.

Flags:
  --sim             decide the exit code for the simulated board (default)
  --ble             ... for a board over Bluetooth LE
  --serial [PATH]   ... for a board on a serial port (PATH: check that port only)
  --live            also need a browser for the live page
  --json            one JSON object: { ok, needs, checks: [{ id, status, detail, fix, needed_by }] }
  --build-ble       build the Bluetooth binding now (node-gyp; needs a C++ compiler, make, python3)
  --if-possible     with --build-ble: where it cannot be built, say so and exit 0 (npm ci uses this)

Exit: 0 all needed fine, 1 something needed is not.`;

export const command: CliCommand = {
  name: 'doctor',
  summary: 'check this machine for a board source: Bluetooth binding and adapter, serial ports, browser',
  help: HELP,
  allowPositionals: true,
  options: optionTable([], ['sim', 'ble', 'serial', 'live', 'json', 'build-ble', 'if-possible']),
  async run(ctx) {
    const v = ctx.values;
    if (v['build-ble'] === true) {
      if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument '${ctx.positionals[0]}'`);
      const { buildBleBinding, bleBindingStatus } = await import('../../doctor/binding.ts');
      const before = bleBindingStatus();
      if (before.state === 'built' || before.state === 'unsupported') {
        ctx.err.write(`tripod doctor: ${before.detail}\n`);
        return 0;
      }
      const r = await buildBleBinding((l) => ctx.err.write(`tripod doctor: ${l}\n`));
      if (r.ok) {
        ctx.err.write(`tripod doctor: ${r.detail}\n`);
        return 0;
      }
      ctx.err.write(`tripod doctor: ${r.detail}${v['if-possible'] === true ? '; Bluetooth boards need it (the simulated board, serial and analysis do not)' : ''}\n`);
      if (v['if-possible'] !== true && r.log) ctx.err.write(`${r.log.trimEnd()}\n`);
      return v['if-possible'] === true ? 0 : 1;
    }
    if (v['if-possible'] === true) throw new UsageError('--if-possible goes with --build-ble');
    const chosen = (['sim', 'ble', 'serial'] as const).filter((k) => v[k] === true);
    if (chosen.length > 1) throw new UsageError(`choose one board source, got ${chosen.map((c) => `--${c}`).join(' and ')}`);
    const source = chosen[0] ?? 'sim';
    if (ctx.positionals.length > (source === 'serial' ? 1 : 0)) throw new UsageError(`unexpected argument '${ctx.positionals[source === 'serial' ? 1 : 0]}' (only --serial takes a port path)`);
    const needs = v.live === true ? [source, 'live' as const] : [source];
    const { runChecks, blocking } = await import('../../doctor/checks.ts');
    const results = await runChecks({ serialPath: source === 'serial' ? (ctx.positionals[0] ?? null) : null });
    const bad = blocking(results, needs);
    if (v.json === true) {
      ctx.out.write(`${JSON.stringify({ ok: bad.length === 0, needs, checks: results.map((r) => ({ id: r.id, status: r.status, detail: r.detail, fix: r.fix ?? null, needed_by: r.neededBy })) })}\n`);
    } else {
      for (const r of results) {
        const mark = r.status === 'fail' ? 'FAIL' : r.status;
        ctx.out.write(`${mark.padEnd(5)} ${r.id.padEnd(15)} ${r.detail}${r.fix ? ` -> ${r.fix}` : ''}\n`);
      }
      const what = needs.map((n) => `--${n}`).join(' ');
      ctx.out.write(bad.length === 0 ? `all that ${what} needs is fine\n` : `${bad.length} problem(s) for ${what}: ${bad.map((r) => r.id).join(', ')}\n`);
    }
    return bad.length === 0 ? 0 : 1;
  },
};
