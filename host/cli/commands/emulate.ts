/**
 * `tripod emulate`: runs the built firmware (firmware/dist/tripod.js) on the emulated board in real
 * time, so a user (or `tripod record --serial`) can talk to a virtual Tripod. Prints what the board
 * does; stops on Ctrl-C. The board's Serial1 can be exposed on a pseudo-terminal (Debian socat) or
 * a local TCP port (the espruino tools accept tcp://host:port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { optionTable, type CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { parseDuration } from '../source-flags.ts';
import { setLongTimeout } from '../../util/long-timeout.ts';
import {
  constantLoads, createBoard, DEFAULT_FIRMWARE_PATH, type BoardName, type EmulatedBoard, type LoadSource,
} from '../../../firmware/emulator/index.ts';

const HELP = `Usage: tripod emulate [flags]

Runs the built firmware (firmware/dist/tripod.js; build it with 'npm run build:firmware') on an
emulated board in real time: four HX711 load-cell ADCs, the nRF52 radio (advertising as
Tripod-XXXX to the emulator's own central only, not to your computer's Bluetooth) and Serial1.
Prints the advertising name and a status line every few seconds; Ctrl-C stops it.

Flags:
  --board NAME        mdbt42q (default) or puckjs
  --loads N,N,N,N     constant force on cells 0..3 in newtons (default 0,0,0,0: empty plate)
  --kg KG             a still load of KG kilograms spread evenly over the four cells
  --person            a synthetic person stepping on and balancing (host/sim/person.ts demo timeline)
  --seed N            noise, offsets and address seed (default 1)
  --storage FILE      keep the board's flash (settings, calibration) in this JSON file
                      (created when the firmware first writes to Storage)
  --pty               expose Serial1 on a pseudo-terminal (needs socat); prints its path
  --pty-link PATH     symlink for the pseudo-terminal (default /tmp/tripod-emulator-tty)
  --tcp PORT          expose Serial1 on tcp://127.0.0.1:PORT (0 picks a free port)
  --duration S        stop after S seconds (default: run until Ctrl-C)
  --firmware FILE     run this file instead of firmware/dist/tripod.js
  --repl tcp://127.0.0.1:PORT
                      start as a bare Espruino board behind a REPL on that loopback port instead:
                      upload with 'tripod flash --port tcp://127.0.0.1:PORT' (or the espruino
                      tools); the uploaded code then runs and streams on the same port
                      (with --pty, the pseudo-terminal joins the REPL port; see host/flash/README.md)

Examples:
  tripod emulate --kg 70 --pty
  tripod emulate --repl tcp://127.0.0.1:2323 --kg 70     then: tripod flash --port tcp://127.0.0.1:2323
  tripod record --serial /tmp/tripod-emulator-tty --duration 10     (in another terminal)`;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseLoads(values: Record<string, unknown>): LoadSource | 'person' {
  const given = ['loads', 'kg', 'person'].filter((k) => values[k] !== undefined && values[k] !== false);
  if (given.length > 1) throw new UsageError(`--${given.join(' and --')} cannot be combined; pick one load`);
  if (values.person === true) return 'person';
  const kg = str(values.kg);
  if (kg !== undefined) {
    const m = Number(kg);
    if (!Number.isFinite(m) || m < 0 || m > 400) throw new UsageError(`--kg ${kg}: expected a mass of 0..400 kg`);
    const n = (m * 9.80665) / 4;
    return constantLoads([n, n, n, n]);
  }
  const loads = str(values.loads);
  if (loads === undefined) return constantLoads([0, 0, 0, 0]);
  const parts = loads.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x))) throw new UsageError(`--loads ${loads}: expected four numbers in newtons, e.g. 170,170,170,170`);
  return constantLoads([parts[0]!, parts[1]!, parts[2]!, parts[3]!]);
}

/** Serves the board's Serial1 to one TCP client at a time. */
function serveSerial(board: EmulatedBoard, port: number): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    let client: Socket | null = null;
    board.serial.onData((bytes) => client?.write(bytes));
    const server = createServer((sock) => {
      if (client) client.destroy();
      client = sock;
      sock.on('data', (d) => board.serial.write(new Uint8Array(d)));
      sock.on('close', () => {
        if (client === sock) client = null;
      });
      sock.on('error', () => undefined);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}

/** Starts socat joining a pseudo-terminal (symlinked at `link`) to the TCP port. */
export function startPty(port: number, link: string): Promise<{ proc: ChildProcess; path: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${link}`, `tcp:127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new RuntimeError(`socat did not open a pseudo-terminal within 5 s: ${err.trim().split('\n').pop() ?? ''}`)), 5000);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(new RuntimeError(`cannot start socat for --pty (${e.message}); install it (Debian: apt-get install socat) or use --tcp`));
    });
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /PTY is (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        // socat logs the pty before it creates the symlink: wait for the link (up to 2 s)
        const t0 = Date.now();
        const poll = (): void => {
          let linked = false;
          try {
            linked = readlinkSync(link) === m[1];
          } catch {
            linked = false;
          }
          if (linked) resolve({ proc, path: m[1]! });
          else if (Date.now() - t0 > 2000) reject(new RuntimeError(`socat opened ${m[1]!} but did not create the link ${link}`));
          else setTimeout(poll, 10);
        };
        poll();
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new RuntimeError(`socat exited (${String(code)}) before opening a pseudo-terminal: ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

export const command: CliCommand = {
  name: 'emulate',
  summary: 'run the built firmware on an emulated board in real time (serial on a pty or TCP)',
  help: HELP,
  options: optionTable(['board', 'loads', 'kg', 'seed', 'storage', 'pty-link', 'tcp', 'duration', 'firmware', 'repl'], ['person', 'pty']),
  async run(ctx) {
    const v = ctx.values;
    const boardName = str(v.board) ?? 'mdbt42q';
    if (boardName !== 'mdbt42q' && boardName !== 'puckjs') throw new UsageError(`--board ${boardName}: expected mdbt42q or puckjs`);
    const seedText = str(v.seed) ?? '1';
    const seed = Number(seedText);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed ${seedText}: expected an integer`);
    const durationText = str(v.duration);
    const duration = durationText === undefined ? Infinity : (parseDuration(v) ?? Infinity);
    const tcpText = str(v.tcp);
    const tcpPort = tcpText === undefined ? undefined : Number(tcpText);
    if (tcpPort !== undefined && !(Number.isInteger(tcpPort) && tcpPort >= 0 && tcpPort < 65536)) throw new UsageError(`--tcp ${String(tcpText)}: expected a port 0..65535`);
    const firmwarePath = str(v.firmware) ?? DEFAULT_FIRMWARE_PATH;
    const replUrl = str(v.repl);
    if (replUrl !== undefined) {
      // A bare board behind an Espruino REPL: what runs is what gets uploaded (host/flash/emulate-repl.ts).
      if (tcpPort !== undefined || v.firmware !== undefined || v.storage !== undefined) throw new UsageError('--repl cannot be combined with --tcp, --firmware or --storage (the REPL port carries the serial link; the code comes from the upload)');
      const replLoads = parseLoads(v);
      const sim = replLoads === 'person' ? await import('../../sim/person.ts') : null;
      const { runReplMode } = await import('../../flash/emulate-repl.ts');
      return runReplMode(ctx, {
        url: replUrl,
        board: boardName as BoardName,
        seed,
        loads: sim ? sim.personLoadSource(sim.createSyntheticPerson({ ...sim.DEMO_PERSON, seed })) : (replLoads as LoadSource),
        durationS: duration,
        ...(v.pty === true ? { ptyLink: str(v['pty-link']) ?? '/tmp/tripod-emulator-tty', startPty } : {}),
      });
    }
    if (!existsSync(firmwarePath)) throw new RuntimeError(`${firmwarePath} not found; run 'npm run build:firmware' first`);
    const loadChoice = parseLoads(v);
    let loads: LoadSource;
    if (loadChoice === 'person') {
      const sim = await import('../../sim/person.ts');
      loads = sim.personLoadSource(sim.createSyntheticPerson({ ...sim.DEMO_PERSON, seed }));
    } else loads = loadChoice;

    const { readFileSync } = await import('node:fs');
    const storagePath = str(v.storage);
    let board: EmulatedBoard;
    let fault: Error | null = null;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    try {
      board = createBoard({
        source: readFileSync(firmwarePath, 'utf8'),
        clock: 'realtime',
        board: boardName as BoardName,
        seed,
        loads,
        ...(storagePath ? { storage: { file: storagePath } } : {}),
        onUncaught: 'log',
        onTimingViolation: 'log',
        onFault: (e) => {
          fault = e;
          finish();
        },
      });
    } catch (e) {
      throw new RuntimeError(`the firmware failed to start in the emulator: ${(e as Error).message}`);
    }
    const adv = board.ble.advertising();
    ctx.out.write(`emulated ${boardName} running ${firmwarePath}\n`);
    ctx.out.write(`advertising as ${adv?.name ?? '(no name)'}${adv?.serviceUuids.length ? ` with service ${adv.serviceUuids.join(', ')}` : ''}\n`);

    let server: Server | undefined;
    let socat: ChildProcess | undefined;
    try {
      if (v.pty === true || tcpPort !== undefined) {
        const served = await serveSerial(board, tcpPort ?? 0);
        server = served.server;
        if (tcpPort !== undefined) ctx.out.write(`serial (Serial1) on tcp://127.0.0.1:${served.port}\n`);
        if (v.pty === true) {
          const link = str(v['pty-link']) ?? '/tmp/tripod-emulator-tty';
          const pty = await startPty(served.port, link);
          socat = pty.proc;
          ctx.out.write(`serial (Serial1) on ${link} -> ${pty.path}\n`);
        }
      }
    } catch (e) {
      board.stop();
      server?.close();
      throw e instanceof RuntimeError ? e : new RuntimeError((e as Error).message);
    }

    let serialOut = 0;
    board.serial.onData((bytes) => {
      serialOut += bytes.length;
    });
    let lastUncaught = 0;
    const status = setInterval(() => {
      const s = board.stats();
      const reads = Math.min(...s.hx711.map((h) => h.readsCompleted));
      const state = board.ble.advertising() ? 'advertising' : 'connected';
      ctx.out.write(`t=${board.now().toFixed(1)} s  ${state}  console=${board.consoleDevice() ?? 'none'}  HX711 reads=${reads}  BLE notifications=${s.ble.notificationsDelivered} dropped=${s.ble.notificationsDropped}  serial out=${serialOut} B  API calls=${s.totalApiCalls}\n`);
      if (s.uncaughtErrors > lastUncaught) {
        lastUncaught = s.uncaughtErrors;
        ctx.err.write(`firmware error: ${board.consoleText().split('\r\n').filter((l) => l.startsWith('Uncaught')).pop() ?? ''}\n`);
      }
    }, 5000);
    const onAbort = (): void => finish();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = Number.isFinite(duration) ? setLongTimeout(finish, duration * 1000) : undefined;
    await done;
    clearInterval(status);
    timer?.clear();
    ctx.signal.removeEventListener('abort', onAbort);
    board.stop();
    socat?.kill();
    server?.close();
    const s = board.stats();
    ctx.out.write(`stopped after ${board.now().toFixed(1)} s of board time; ${s.totalApiCalls} Espruino API calls\n`);
    if (fault) throw new RuntimeError(`the emulated board stopped: ${(fault as Error).message}`);
    return 0;
  },
};
