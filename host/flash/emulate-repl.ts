/**
 * `tripod emulate --repl tcp://127.0.0.1:PORT`: a bare emulated Espruino board behind an Espruino
 * REPL on a loopback TCP port (firmware/emulator/repl-server.ts). Upload to it with `tripod flash
 * --port tcp://127.0.0.1:PORT` (or the espruino tools); `load()` boots what was uploaded in the
 * emulator, which then streams as a board: protocol frames on the same TCP port (and on the
 * pseudo-terminal with --pty). Runs until Ctrl-C or --duration.
 */
import type { ChildProcess } from 'node:child_process';
import type { CommandContext } from '../cli/command.ts';
import { RuntimeError, UsageError } from '../cli/errors.ts';
import type { BoardName, EmulatedBoard, LoadSource } from '../../firmware/emulator/index.ts';

export interface ReplModeOptions {
  url: string;
  board: BoardName;
  seed: number;
  loads: LoadSource;
  /** Seconds, Infinity for until Ctrl-C. */
  durationS: number;
  /** Also join a pseudo-terminal to the REPL port (socat), symlinked here. */
  ptyLink?: string;
  startPty?: (port: number, link: string) => Promise<{ proc: ChildProcess; path: string }>;
}

export async function runReplMode(ctx: CommandContext, o: ReplModeOptions): Promise<number> {
  const { startEmulatorRepl, parseReplUrl } = await import('../../firmware/emulator/repl-server.ts');
  try {
    parseReplUrl(o.url);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let board: EmulatedBoard | null = null;
  let repl;
  try {
    repl = await startEmulatorRepl({
      url: o.url,
      board: { board: o.board, seed: o.seed, loads: o.loads, onTimingViolation: 'log' },
      onBoard: (b) => {
        board = b;
        if (b) {
          const adv = b.ble.advertising();
          ctx.out.write(`booted the uploaded code: running, advertising as ${adv?.name ?? '(no name)'}\n`);
        } else ctx.out.write('stopped the running code (reset)\n');
      },
      log: (line) => {
        if (/^load\(\)|emulated board stopped/.test(line)) ctx.err.write(`repl: ${line}\n`);
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RuntimeError(code === 'EADDRINUSE' ? `${o.url} is already in use: pick another port (0 picks a free one)` : `cannot listen on ${o.url}: ${(e as Error).message}`);
  }
  ctx.out.write(`emulated ${o.board}: Espruino REPL on ${repl.url} (nothing saved yet)\n`);
  ctx.out.write(`upload with: tripod flash --port ${repl.url}\n`);
  let socat: ChildProcess | undefined;
  let stopping = false;
  // The REPL serves one console at a time (the newest client takes it), so a client on the TCP port
  // (tripod flash --port tcp://) takes it from socat, whose connection then ends and socat with it.
  // Once that client has let the console go (free for 1 s), start socat again: the pty link stays
  // for as long as the emulator runs, without taking the console from anyone.
  const keepPty = (proc: ChildProcess): void => {
    proc.once('exit', () => {
      if (stopping || !o.ptyLink || !o.startPty) return;
      let freeSince: number | null = null;
      const poll = setInterval(() => {
        if (stopping) return clearInterval(poll);
        if (repl.inUse()) {
          freeSince = null;
          return;
        }
        freeSince ??= Date.now();
        if (Date.now() - freeSince < 1000) return;
        clearInterval(poll);
        o.startPty!(repl.port, o.ptyLink!).then(
          (pty) => {
            socat = pty.proc;
            keepPty(pty.proc);
            ctx.err.write(`repl: the console is on ${o.ptyLink} again (-> ${pty.path})\n`);
          },
          (e: unknown) => ctx.err.write(`repl: could not reopen ${o.ptyLink}: ${(e as Error).message}\n`),
        );
      }, 100);
    });
  };
  if (o.ptyLink && o.startPty) {
    try {
      const pty = await o.startPty(repl.port, o.ptyLink);
      socat = pty.proc;
      keepPty(pty.proc);
      ctx.out.write(`the same console on ${o.ptyLink} -> ${pty.path}\n`);
    } catch (e) {
      await repl.close();
      throw e;
    }
  }
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onAbort = (): void => finish();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = Number.isFinite(o.durationS) ? setTimeout(finish, o.durationS * 1000) : undefined;
  const status = setInterval(() => {
    const b = board as EmulatedBoard | null;
    if (!b) return;
    const s = b.stats();
    ctx.out.write(`t=${b.now().toFixed(1)} s  ${b.ble.advertising() ? 'advertising' : 'connected'}  notifications=${s.ble.notificationsDelivered}  API calls=${s.totalApiCalls}\n`);
  }, 5000);
  await done;
  clearInterval(status);
  if (timer) clearTimeout(timer);
  ctx.signal.removeEventListener('abort', onAbort);
  stopping = true;
  socat?.kill();
  await repl.close();
  ctx.out.write(`stopped; ${repl.connections()} REPL connection(s)\n`);
  return 0;
}
