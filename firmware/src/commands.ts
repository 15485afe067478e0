/**
 * Every command of protocol/SPEC.md §4, device side: decode with the protocol's decodeCommand
 * (which already answers malformed, unknown, wrong-version and out-of-range commands), act through
 * main.ts `act`, answer with encodeResponse on the link the command came from. Nothing here throws
 * to the caller: an exception while acting becomes STATUS_FAILED. This file and what it uses are
 * loaded only while a command runs (lazy.ts loadCommands).
 */
import { STATUS_FAILED, STATUS_OK } from '../../protocol/constants.ts';
import { decodeCommand, encodeCommandError, encodeResponse, type CommandMessage, type ResponseMessage } from '../../protocol/control.ts';

/** Samples averaged by TARE when the command asks for the device default (SPEC.md 5.3: 16). */
export const TARE_SAMPLES_DEFAULT = 16;
/** IDENTIFY blink time when the command asks for the device default, s (SPEC.md 5.3: 3). */
export const IDENTIFY_S_DEFAULT = 3;

/**
 * Carries out a decoded command on the device (main.ts `act`): fills `r` and returns true to have
 * it sent now, false when it answers later itself (STOP_STREAM, TARE). `lib` is the commands group.
 */
export type CommandAct<L> = (link: number, cmd: CommandMessage, r: ResponseMessage, lib: L) => boolean;

/** Decodes and runs one command that arrived on `link`; always answers exactly once (through `reply`, or later through `act`). */
export function handleCommand<L>(link: number, bytes: Uint8Array, act: CommandAct<L>, reply: (link: number, bytes: Uint8Array) => void, lib: L): void {
  const d = decodeCommand(bytes);
  if (!d.ok) {
    reply(link, encodeCommandError(d));
    return;
  }
  const cmd = d.command;
  const r: ResponseMessage = { reqId: cmd.reqId, code: cmd.code, status: STATUS_OK };
  let answer: Uint8Array | null;
  try {
    answer = act(link, cmd, r, lib) ? encodeResponse(r) : null;
  } catch (e) {
    answer = encodeResponse({ reqId: cmd.reqId, code: cmd.code, status: STATUS_FAILED });
  }
  if (answer !== null) reply(link, answer);
}
