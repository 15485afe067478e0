/**
 * What main.ts `runCommand` needs to run a command of protocol/SPEC.md §5, device side: the device
 * defaults of TARE and IDENTIFY and the type of `act`. runCommand decodes with the protocol's
 * decodeCommand (which already answers malformed, unknown, wrong-version and out-of-range
 * commands), acts through `act` and answers with encodeResponse on the link the command came from,
 * each step with its own group of functions loaded (lazy.ts), so no two groups are in RAM at once.
 */
import type { CommandMessage, ResponseMessage } from '../../protocol/control.ts';

/** Samples averaged by TARE when the command asks for the device default (SPEC.md 5.3: 16). */
export const TARE_SAMPLES_DEFAULT = 16;
/** IDENTIFY blink time when the command asks for the device default, s (SPEC.md 5.3: 3). */
export const IDENTIFY_S_DEFAULT = 3;

/**
 * Carries out a decoded command on the device (main.ts `act`): fills `r` and returns true to have
 * it sent now, false when it answers later itself (STOP_STREAM, TARE).
 */
export type CommandAct = (link: number, cmd: CommandMessage, r: ResponseMessage) => boolean;
