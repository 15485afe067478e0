/**
 * Shared by the commands that talk to a board (info, record, tare): turns the source flags into a
 * session and every failure into one CLI line (UsageError exit 2, RuntimeError exit 1).
 */
import { CalibrationError } from '../pipeline/calibration.ts';
import { openBoard, type BoardSession, type OpenBoardOptions } from '../session.ts';
import type { CommandContext } from './command.ts';
import { RuntimeError, UsageError } from './errors.ts';
import type { BoardSource } from '../source.ts';
import { parseSourceFlags } from './source-flags.ts';

export async function openFromFlags(ctx: CommandContext, opts: Omit<OpenBoardOptions, 'calibrationFile'>): Promise<BoardSession> {
  const { source, calibrationFile } = parseSourceFlags(ctx.values, ctx.positionals);
  return openSource(source, calibrationFile, { transports: ctx.transports, ...opts });
}

/** openBoard with every failure turned into one CLI line. */
export async function openSource(source: BoardSource, calibrationFile: string | null, opts: Omit<OpenBoardOptions, 'calibrationFile'>): Promise<BoardSession> {
  try {
    return await openBoard(source, { ...opts, calibrationFile });
  } catch (e) {
    if (e instanceof CalibrationError) throw new UsageError(e.message);
    if (e instanceof UsageError || e instanceof RuntimeError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST' && err.path) throw new UsageError(`${err.path} already exists; choose another --out or add --force to overwrite it`);
    throw new RuntimeError(boardErrorLine(e));
  }
}

/** One line for a failure to reach a board; Bluetooth failures point at `tripod doctor`. */
export function boardErrorLine(e: unknown): string {
  const msg = ((e as Error)?.message ?? String(e)).split('\n')[0] ?? '';
  if ((e as Error)?.name === 'BluetoothUnavailableError') {
    if ((e as { reason?: string }).reason === 'no-binding') return `${msg}; build it with 'npx tripod doctor --build-ble' ('tripod doctor --ble' checks the rest)`;
    return `${msg}; run 'tripod doctor --ble' to see what to fix, or use --sim or --serial PATH`;
  }
  return msg;
}

/** Runs `fn` with a session and always closes it; maps late failures to RuntimeError. */
export async function withSession<T>(session: BoardSession, fn: (s: BoardSession) => Promise<T>): Promise<T> {
  try {
    return await fn(session);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RuntimeError) throw e;
    throw new RuntimeError((e as Error).message ?? String(e));
  } finally {
    await session.close();
  }
}
