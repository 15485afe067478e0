/**
 * `tripod doctor`'s checks: each looks at one thing a board source needs on this machine and says in
 * one line what it found and, when it is not fine, the one thing to do. Linux details (sysfs, rfkill,
 * capabilities, groups) are read directly; elsewhere those checks say they do not apply.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packagePath } from '../package-root.ts';
import { BUILD_BLE_COMMAND, bleBindingStatus } from './binding.ts';
import { which } from './which.ts';

export type Need = 'sim' | 'ble' | 'serial' | 'live';

export interface CheckResult {
  id: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  /** What was found. */
  detail: string;
  /** What to do about it (fail and warn only). */
  fix?: string;
  /** The sources (and `live`) that cannot work while this fails. */
  neededBy: Need[];
}

const require = createRequire(packagePath('package.json'));

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function checkNode(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { id: 'node', status: 'ok', detail: `Node ${process.versions.node}`, neededBy: ['sim', 'ble', 'serial', 'live'] }
    : { id: 'node', status: 'fail', detail: `Node ${process.versions.node} is too old`, fix: 'install Node 20 or later', neededBy: ['sim', 'ble', 'serial', 'live'] };
}

function checkFirmware(): CheckResult {
  const file = packagePath('firmware', 'dist', 'tripod.js');
  return existsSync(file)
    ? { id: 'firmware', status: 'ok', detail: 'built firmware found (the simulated board runs it)', neededBy: ['sim'] }
    : { id: 'firmware', status: 'fail', detail: `${file} is missing`, fix: "run 'npm run build:firmware' in the package folder", neededBy: ['sim'] };
}

function checkBinding(): CheckResult {
  const s = bleBindingStatus();
  if (s.state === 'built') return { id: 'ble-binding', status: 'ok', detail: s.detail, neededBy: ['ble'] };
  if (s.state === 'unsupported') return { id: 'ble-binding', status: 'warn', detail: s.detail, neededBy: ['ble'] };
  if (s.state === 'missing') return { id: 'ble-binding', status: 'fail', detail: s.detail, fix: 'install a C++ compiler, make and python3, then reinstall (npm ci)', neededBy: ['ble'] };
  return { id: 'ble-binding', status: 'fail', detail: `Bluetooth binding not built: ${s.detail}`, fix: `run '${BUILD_BLE_COMMAND}' (needs a C++ compiler, make and python3)`, neededBy: ['ble'] };
}

async function checkRadio(bindingOk: boolean): Promise<CheckResult> {
  if (!bindingOk) return { id: 'ble-radio', status: 'skip', detail: 'not tried: the binding is not built', neededBy: ['ble'] };
  try {
    const { loadNoble } = await import('../transport/ble.ts');
    loadNoble();
    return { id: 'ble-radio', status: 'ok', detail: 'noble starts on the HCI socket', neededBy: ['ble'] };
  } catch (e) {
    const reason = (e as { reason?: string }).reason;
    const detail = (e as Error).message.split('\n')[0] ?? String(e);
    const fix = reason === 'no-hci' ? 'this kernel has no Bluetooth sockets (a container or VM?): run on a machine with Bluetooth' : 'see the message; reinstall if the binding is broken';
    return { id: 'ble-radio', status: 'fail', detail, fix, neededBy: ['ble'] };
  }
}

function checkAdapter(): CheckResult[] {
  if (process.platform !== 'linux') return [{ id: 'adapter', status: 'skip', detail: `adapter checks are for Linux; on ${process.platform} the system settings show it`, neededBy: ['ble'] }];
  const out: CheckResult[] = [];
  let adapters: string[] = [];
  try {
    adapters = readdirSync('/sys/class/bluetooth').filter((n) => /^hci\d+$/.test(n));
  } catch {
    // no Bluetooth subsystem
  }
  out.push(
    adapters.length > 0
      ? { id: 'adapter', status: 'ok', detail: `adapter ${adapters.join(', ')}`, neededBy: ['ble'] }
      : { id: 'adapter', status: 'fail', detail: 'no Bluetooth adapter (/sys/class/bluetooth has no hci device)', fix: 'plug in a Bluetooth 4.0+ adapter, or enable the built-in one', neededBy: ['ble'] },
  );
  const blocked: string[] = [];
  let hard = false;
  try {
    for (const r of readdirSync('/sys/class/rfkill')) {
      if (readText(join('/sys/class/rfkill', r, 'type')) !== 'bluetooth') continue;
      const soft = readText(join('/sys/class/rfkill', r, 'soft')) === '1';
      const hardBlock = readText(join('/sys/class/rfkill', r, 'hard')) === '1';
      if (soft || hardBlock) blocked.push(`${readText(join('/sys/class/rfkill', r, 'name')) ?? r}${hardBlock ? ' (hardware switch)' : ''}`);
      hard ||= hardBlock;
    }
  } catch {
    // no rfkill
  }
  if (adapters.length > 0) {
    out.push(
      blocked.length === 0
        ? { id: 'rfkill', status: 'ok', detail: 'not blocked by rfkill', neededBy: ['ble'] }
        : { id: 'rfkill', status: 'fail', detail: `blocked by rfkill: ${blocked.join(', ')}`, fix: hard ? 'turn the hardware radio switch on' : 'sudo rfkill unblock bluetooth', neededBy: ['ble'] },
    );
    const powered = adapterPowered();
    if (powered === false) out.push({ id: 'powered', status: 'fail', detail: `${adapters[0]} is down`, fix: `sudo hciconfig ${adapters[0]} up (or: bluetoothctl power on)`, neededBy: ['ble'] });
    else if (powered === true) out.push({ id: 'powered', status: 'ok', detail: `${adapters[0]} is up`, neededBy: ['ble'] });
  }
  return out;
}

/** From BlueZ (bluetoothctl show) when it runs; null when unknown (without BlueZ, noble powers the adapter up itself). */
function adapterPowered(): boolean | null {
  if (which('bluetoothctl') && bluezRunning()) {
    try {
      const text = execFileSync('bluetoothctl', ['show'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
      const m = /Powered:\s*(yes|no)/.exec(text);
      if (m) return m[1] === 'yes';
    } catch {
      // unknown
    }
  }
  return null;
}

function bluezRunning(): boolean {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      if (readText(`/proc/${pid}/comm`) === 'bluetoothd') return true;
    }
  } catch {
    // no /proc
  }
  return false;
}

function checkPermissions(): CheckResult {
  if (process.platform !== 'linux') return { id: 'permissions', status: 'skip', detail: 'raw HCI permissions are a Linux matter', neededBy: ['ble'] };
  if (process.getuid?.() === 0) return { id: 'permissions', status: 'ok', detail: 'running as root: raw HCI sockets allowed', neededBy: ['ble'] };
  const node = realpathSync(process.execPath);
  const fix = `sudo setcap cap_net_raw+eip ${node}`;
  if (!which('getcap')) return { id: 'permissions', status: 'warn', detail: 'cannot tell whether node may open raw HCI sockets (getcap not installed)', fix, neededBy: ['ble'] };
  try {
    const caps = execFileSync('getcap', [node], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
    if (/cap_net_raw/.test(caps)) return { id: 'permissions', status: 'ok', detail: `${node} has cap_net_raw`, neededBy: ['ble'] };
  } catch {
    // treated as no capability
  }
  return { id: 'permissions', status: 'fail', detail: `${node} lacks cap_net_raw (raw HCI sockets need it when not root)`, fix, neededBy: ['ble'] };
}

function checkBluez(): CheckResult {
  if (process.platform !== 'linux') return { id: 'bluez', status: 'skip', detail: 'BlueZ is Linux only', neededBy: ['ble'] };
  return bluezRunning()
    ? { id: 'bluez', status: 'warn', detail: 'BlueZ (bluetoothd) is running and may hold the adapter noble uses', fix: 'if scans find no board: sudo systemctl stop bluetooth, then sudo hciconfig hci0 up', neededBy: ['ble'] }
    : { id: 'bluez', status: 'ok', detail: 'BlueZ is not running (noble has the adapter to itself)', neededBy: ['ble'] };
}

function checkSerialBinding(): CheckResult {
  try {
    (require('@serialport/bindings-cpp') as { autoDetect(): unknown }).autoDetect();
    return { id: 'serial-binding', status: 'ok', detail: "serialport's binding loads", neededBy: ['serial'] };
  } catch (e) {
    return { id: 'serial-binding', status: 'fail', detail: `serialport's binding does not load (${(e as Error).message.split('\n')[0]})`, fix: 'reinstall (npm ci); serialport ships prebuilt binaries for Linux, macOS and Windows', neededBy: ['serial'] };
  }
}

function groupName(gid: number): string {
  const line = (readText('/etc/group') ?? '').split('\n').find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

function checkSerialPorts(path: string | null): CheckResult[] {
  if (path !== null && path.startsWith('tcp://')) return [{ id: 'serial-port', status: 'ok', detail: `${path} is a TCP link (no device file)`, neededBy: ['serial'] }];
  let ports: string[];
  if (path !== null) ports = [path];
  else {
    try {
      ports = readdirSync('/dev')
        .filter((n) => /^tty(ACM|USB)\d+$/.test(n) || /^cu\.(usbserial|usbmodem|SLAB)/.test(n))
        .map((n) => `/dev/${n}`);
    } catch {
      ports = [];
    }
    if (ports.length === 0) return [{ id: 'serial-port', status: 'warn', detail: 'no USB serial port (/dev/ttyACM*, /dev/ttyUSB*)', fix: "plug in the board's USB-serial adapter (an MDBT42Q has no USB of its own)", neededBy: [] }];
  }
  return ports.map((p): CheckResult => {
    try {
      accessSync(p, constants.R_OK | constants.W_OK);
      return { id: 'serial-port', status: 'ok', detail: `${p} readable and writable`, neededBy: ['serial'] };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { id: 'serial-port', status: 'fail', detail: `${p} does not exist`, fix: 'plug the board in; tripod scan --serial lists the ports', neededBy: ['serial'] };
      let group = 'dialout';
      try {
        group = groupName(statSync(p).gid);
      } catch {
        // keep dialout
      }
      return { id: 'serial-port', status: 'fail', detail: `${p} is not readable and writable by this user (group ${group})`, fix: `sudo usermod -aG ${group} $USER, then log out and in again`, neededBy: ['serial'] };
    }
  });
}

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'firefox', 'microsoft-edge'];

function checkBrowser(): CheckResult {
  const opener = process.platform === 'darwin' ? which('open') : process.platform === 'win32' ? 'start' : which('xdg-open');
  const browser = BROWSERS.map(which).find((b) => b !== null) ?? null;
  if (process.platform === 'darwin' || process.platform === 'win32') return { id: 'browser', status: 'ok', detail: 'the default browser opens the live page', neededBy: ['live'] };
  if (opener && browser) return { id: 'browser', status: 'ok', detail: `xdg-open opens the live page (${browser} found)`, neededBy: ['live'] };
  if (browser) return { id: 'browser', status: 'warn', detail: `${browser} found but no xdg-open: tripod live prints the address to open`, fix: 'install xdg-utils to have the page opened for you', neededBy: ['live'] };
  return { id: 'browser', status: 'fail', detail: 'no browser found on PATH for the live page', fix: 'install one (e.g. sudo apt-get install chromium), or run tripod live --host 0.0.0.0 and open the address from another device', neededBy: ['live'] };
}

export interface DoctorOptions {
  /** A serial path to check instead of every USB serial port. */
  serialPath?: string | null;
}

/** Every check, in the order they are printed. */
export async function runChecks(opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const binding = checkBinding();
  return [
    checkNode(),
    checkFirmware(),
    binding,
    await checkRadio(binding.status === 'ok'),
    ...checkAdapter(),
    checkPermissions(),
    checkBluez(),
    checkSerialBinding(),
    ...checkSerialPorts(opts.serialPath ?? null),
    checkBrowser(),
  ];
}

/** The checks that stop `need` from working (fail status, needed by it). */
export function blocking(results: CheckResult[], needs: Need[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail' && r.neededBy.some((n) => needs.includes(n)));
}
