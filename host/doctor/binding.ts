/**
 * noble's native Bluetooth binding: is it built, and building it.
 *
 * Neither @abandonware/bluetooth-hci-socket (Linux: the raw HCI socket) nor @abandonware/noble's own
 * binding (macOS) ships prebuilt binaries, and npm 11 runs no dependency's install script unless
 * package.json's allowScripts approves it. Approving it would not do either: node-gyp then downloads
 * Node's headers from nodejs.org, and a failed build of the optional hci-socket package makes npm
 * remove the package. So their scripts stay off and this module builds the binding itself, pointing
 * node-gyp at the headers installed with Node (`<prefix>/include/node`) when they are there. `npm ci`
 * runs it from the prepare script (`tripod doctor --build-ble --if-possible`: where no compiler is
 * found it says so in one line and the install goes on; the sim, serial and analysis need no
 * binding); `tripod doctor --build-ble` runs it by hand.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packagePath } from '../package-root.ts';
import { which } from './which.ts';

/** The one command that builds the binding, for messages. */
export const BUILD_BLE_COMMAND = 'npx tripod doctor --build-ble';

export interface BindingStatus {
  /** 'built': it loads; 'not-built': the package is there, its binary is not; 'broken': the binary does not load;
   * 'missing': the package itself is absent; 'unsupported': noble has no native binding for this platform. */
  state: 'built' | 'not-built' | 'broken' | 'missing' | 'unsupported';
  /** The package folder whose binding this is (null when missing or unsupported). */
  dir: string | null;
  /** One line: what was found. */
  detail: string;
}

const require = createRequire(packagePath('package.json'));

/** The folder of a dependency as noble would find it, or null. */
function packageDir(name: string, from: string = packagePath('package.json')): string | null {
  try {
    return dirname(createRequire(from).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

interface BindingTarget {
  pkg: string;
  /** The binary noble loads, relative to the package folder. */
  binary: string;
}

function bindingTarget(): BindingTarget | null {
  if (process.platform === 'linux' || process.platform === 'freebsd') return { pkg: '@abandonware/bluetooth-hci-socket', binary: 'build/Release/bluetooth_hci_socket.node' };
  if (process.platform === 'darwin') return { pkg: '@abandonware/noble', binary: 'build/Release/binding.node' };
  return null;
}

function targetDir(t: BindingTarget): string | null {
  // bluetooth-hci-socket is noble's optional dependency: resolve it from noble's folder, as noble does.
  const noble = packageDir('@abandonware/noble');
  if (t.pkg === '@abandonware/noble') return noble;
  return packageDir(t.pkg, noble ? join(noble, 'package.json') : packagePath('package.json'));
}

/** Whether noble's native binding for this platform is built and loads. */
export function bleBindingStatus(): BindingStatus {
  const t = bindingTarget();
  if (!t) return { state: 'unsupported', dir: null, detail: `noble has no native binding for ${process.platform} here` };
  const dir = targetDir(t);
  if (!dir) return { state: 'missing', dir: null, detail: `${t.pkg} is not installed (npm removes it when its build fails)` };
  const file = join(dir, t.binary);
  try {
    require(file);
    return { state: 'built', dir, detail: `${t.pkg} built (${t.binary})` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' || !existsSync(file)) return { state: 'not-built', dir, detail: `${t.pkg} is installed but its binary was never built (${t.binary})` };
    return { state: 'broken', dir, detail: `${t.pkg}'s binary does not load (${(err.message ?? String(e)).split('\n')[0]})` };
  }
}

/** Compiler tools node-gyp needs that are not on PATH. */
export function missingBuildTools(): string[] {
  const missing: string[] = [];
  if (!which('python3') && !which('python')) missing.push('python3');
  if (!which('make')) missing.push('make');
  if (!which('c++') && !which('g++') && !which('clang++')) missing.push('a C++ compiler (g++ or clang++)');
  return missing;
}

/** Node's own headers next to the running node (e.g. /usr/include/node), so node-gyp need not download them. */
export function installedNodeHeaders(): string | null {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : null;
}

export interface BuildResult {
  ok: boolean;
  /** One line: what happened. */
  detail: string;
  /** node-gyp's output (the last 4 KB), for a failure report. */
  log: string;
}

/** Builds noble's binding for this platform in place; never throws. */
export async function buildBleBinding(onLine: (line: string) => void = () => {}): Promise<BuildResult> {
  const t = bindingTarget();
  if (!t) return { ok: false, detail: `no native Bluetooth binding to build on ${process.platform}`, log: '' };
  const dir = targetDir(t);
  if (!dir) return { ok: false, detail: `${t.pkg} is not installed: reinstall with a compiler present (npm ci)`, log: '' };
  const missing = missingBuildTools();
  if (missing.length > 0) return { ok: false, detail: `cannot build the Bluetooth binding: ${missing.join(', ')} not found (Debian/Ubuntu: sudo apt-get install build-essential python3)`, log: '' };
  let gyp: string;
  try {
    gyp = createRequire(join(dir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return { ok: false, detail: `node-gyp is not installed beside ${t.pkg}`, log: '' };
  }
  const headers = installedNodeHeaders();
  // bluetooth-hci-socket's binding.gyp copies its output through node-pre-gyp's variables: give them.
  const args = [gyp, 'rebuild', ...(headers ? [`--nodedir=${headers}`] : [])];
  if (t.pkg === '@abandonware/bluetooth-hci-socket') args.push('--module_name=bluetooth_hci_socket', `--module_path=${join(dir, 'lib', 'binding')}`);
  onLine(`building ${t.pkg} with node-gyp${headers ? ` (Node headers from ${join(headers, 'include', 'node')})` : ' (Node headers downloaded by node-gyp)'}`);
  return new Promise<BuildResult>((resolve) => {
    let log = '';
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'warn' } });
    const keep = (d: Buffer): void => {
      log = (log + d.toString()).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolve({ ok: false, detail: `could not run node-gyp: ${e.message}`, log }));
    child.on('close', (code) => {
      const status = bleBindingStatus();
      if (code === 0 && status.state === 'built') resolve({ ok: true, detail: status.detail, log });
      else resolve({ ok: false, detail: `node-gyp failed (exit ${code}); ${status.detail}`, log });
    });
  });
}
