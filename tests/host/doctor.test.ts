/**
 * tripod doctor and the BLE error paths with noble's native binding missing (simulated by a preload
 * that makes the binary unloadable, as on a machine where `npm ci` found no compiler), and the parts
 * of doctor that do not depend on this machine's Bluetooth.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('host/cli/bin.mjs');
const NO_BINDING = resolve('tests/host/helpers/no-ble-binding.cjs');

function tripod(args: string[], opts: { noBinding?: boolean; env?: NodeJS.ProcessEnv } = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [...(opts.noBinding ? ['--require', NO_BINDING] : []), BIN, ...args], { encoding: 'utf8', env: opts.env ?? process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tripod doctor', () => {
  it('binding missing: doctor --ble fails on that line and names the one command that builds it', () => {
    const r = tripod(['doctor', '--ble'], { noBinding: true });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL  ble-binding +Bluetooth binding not built: .*never built.* -> run 'npx tripod doctor --build-ble' \(needs a C\+\+ compiler, make and python3\)$/m);
    expect(r.out).toMatch(/^skip  ble-radio +not tried: the binding is not built$/m);
    expect(r.out).toMatch(/^\d problem\(s\) for --ble: ble-binding/m);
    const j = tripod(['doctor', '--ble', '--json'], { noBinding: true });
    const report = JSON.parse(j.out);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: { id: string }) => c.id === 'ble-binding')).toMatchObject({ status: 'fail', needed_by: ['ble'] });
  });

  it('binding missing: the simulated board needs none of it (exit 0)', () => {
    const r = tripod(['doctor'], { noBinding: true });
    expect(r.out).toMatch(/^ok    node +Node \d+\./m);
    expect(r.out).toMatch(/^ok    firmware /m);
    expect(r.out).toMatch(/^FAIL  ble-binding /m);
    expect(r.out).toMatch(/^all that --sim needs is fine$/m);
    expect(r.code).toBe(0);
  });

  it('binding missing: scan --ble and info --ble say the binding is not built and point to doctor', () => {
    const s = tripod(['scan', '--ble', '--timeout', '0.2'], { noBinding: true });
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/^tripod scan: Bluetooth is not available: the Bluetooth binding is not built \(.*bluetooth_hci_socket\.node.*\); build it with 'npx tripod doctor --build-ble' \('tripod doctor --ble' checks the rest\)\n$/);
    const i = tripod(['info', '--ble'], { noBinding: true });
    expect(i.code).toBe(1);
    expect(i.err).toMatch(/^tripod info: Bluetooth is not available: the Bluetooth binding is not built .*npx tripod doctor --build-ble/);
  });

  it('--build-ble --if-possible without a compiler: one line saying what is missing, exit 0 (npm ci goes on); without --if-possible exit 1', () => {
    const env = { ...process.env, PATH: '/nonexistent' };
    const soft = tripod(['doctor', '--build-ble', '--if-possible'], { noBinding: true, env });
    expect(soft.code).toBe(0);
    expect(soft.err).toMatch(/^tripod doctor: cannot build the Bluetooth binding: python3, make, a C\+\+ compiler \(g\+\+ or clang\+\+\) not found \(Debian\/Ubuntu: sudo apt-get install build-essential python3\); Bluetooth boards need it/);
    expect(tripod(['doctor', '--build-ble'], { noBinding: true, env }).code).toBe(1);
  });

  it('usage errors: two sources, --if-possible alone, a stray word', () => {
    expect(tripod(['doctor', '--ble', '--serial']).err).toMatch(/choose one board source, got --ble and --serial/);
    expect(tripod(['doctor', '--if-possible']).code).toBe(2);
    expect(tripod(['doctor', 'x']).err).toMatch(/unexpected argument 'x'/);
  });

  it('--serial PATH: a missing port fails with what to do', () => {
    const r = tripod(['doctor', '--serial', '/dev/ttyUSB97']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL  serial-port +\/dev\/ttyUSB97 does not exist -> plug the board in/m);
  });
});
