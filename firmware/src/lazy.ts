/**
 * Loaders: code the board keeps in RAM only while it runs (firmware/README.md "Memory").
 *
 * Each function here starts with the directive "lazy". The build (firmware/memory-passes.ts
 * splitLazyGroups) moves every top-level function and constant that only a loader's return
 * statement reaches into that loader, so calling it creates them and dropping its result frees
 * them: an object of functions costs about 7 variables per function on the board, the code itself
 * stays in flash. Rules for callers: call a loader where its result is used (`loadResponseEncoder().x(...)`)
 * and never keep the result in a variable of a closure that lives on, or the group stays in RAM.
 * In Node (tests, the emulator's TypeScript view) a loader is a plain function. loadBoot is also
 * "boot" (memory-passes.ts releaseBootOnly): gone once the firmware has started; the others stay
 * callable (tests/firmware/vectors.test.ts runs the firmware's own encoders and framing through them).
 */
import { decodeCommand, encodeResponse } from '../../protocol/control.ts';
import { createFrameEncoder } from '../../protocol/frame-encoder.ts';
import { createSerialDeframer, encodeSerialFrame } from '../../protocol/serial-framing.ts';
import { authGate } from './auth.ts';
import { boardPins, customPins } from './boards.ts';
import { hxNotReady, hxOpenPorts, hxPowerDownIfIdle, hxRead, hxReadChips, hxSpreadTable } from './hx711.ts';
import { defaultName } from './ble.ts';
import { calibrationRecord, loadStored, offsetFromMean, saveCalibration, saveSettings } from './settings.ts';
import { setupSerial } from './serial.ts';
import { createStreamer } from './stream.ts';

/** Boot only: the stored settings and calibration (validated), the pin map, the default name. */
export function loadBoot() {
  'lazy';
  'boot';
  return { loadStored: loadStored, boardPins: boardPins, customPins: customPins, defaultName: defaultName };
}

/**
 * A command's first step (main.ts runCommand): decode it. The three command groups load one at a
 * time, each collected before the next (decode, then the settings writes `act` makes, then the
 * answer): together they were one group of about 190 variables, the firmware's peak on the board
 * (firmware/README.md "Memory"). The protocol's own decoder and encoder, so tests run the firmware's
 * copies (tests/firmware/vectors.test.ts).
 */
export function loadCommandDecoder() {
  'lazy';
  return { decodeCommand: decodeCommand };
}

/** The answer to a command (and to a refused one: encodeCommandError's response, built in runCommand). */
export function loadResponseEncoder() {
  'lazy';
  return { encodeResponse: encodeResponse };
}

/** The settings and calibration writes and reads commands make (main.ts `act`, TARE). */
export function loadSettingsWrites() {
  'lazy';
  return { saveSettings: saveSettings, saveCalibration: saveCalibration, calibrationRecord: calibrationRecord, offsetFromMean: offsetFromMean };
}

/** What loadSettingsWrites returns (main.ts TARE holds it while it computes the offsets). */
export type SettingsWrites = ReturnType<typeof loadSettingsWrites>;

/**
 * Authenticated writes (auth.ts, protocol/SPEC.md 5.5): loaded for the commands it gates only, and
 * freed before the command's decoder loads (main.ts runCommand), so it never adds to the commands' peak.
 */
export function loadAuth() {
  'lazy';
  return { authGate: authGate };
}

/** The JavaScript frame encoder, used only when the native encoder cannot run. */
export function loadJsStreamer() {
  'lazy';
  return { createStreamer: createStreamer, createFrameEncoder: createFrameEncoder };
}

/** The wired link (COBS + CRC-32 framing on Serial1): made only when the board has a UART and it is on. */
export function loadSerial() {
  'lazy';
  return { setupSerial: setupSerial, createSerialDeframer: createSerialDeframer, encodeSerialFrame: encodeSerialFrame };
}

/**
 * The JavaScript read of the HX711s (hx711.ts), used only when the native read cannot run: a
 * board on the native read never holds these functions. The sampler's JS poller loads it once and
 * keeps it while it runs.
 */
export function loadJsRead() {
  'lazy';
  return { hxOpenPorts: hxOpenPorts, hxSpreadTable: hxSpreadTable, hxNotReady: hxNotReady, hxRead: hxRead, hxReadChips: hxReadChips };
}

/**
 * The idle power-down (hx711.ts hxPowerDownIfIdle, a "jit" function: the DOUT check and the clock
 * edge back to back). Loaded for the call only: on a board the JIT compiles a "jit" function when
 * its definition is evaluated and keeps the machine code in RAM while the function exists, so a
 * "jit" function defined at boot costs RAM that the Linux interpreters, which have no JIT, cannot
 * show (firmware/README.md "The JIT's RAM"). Here it exists only while the sampler powers the
 * chips down, after sampling stopped.
 */
export function loadPowerDown() {
  'lazy';
  return { hxPowerDownIfIdle: hxPowerDownIfIdle };
}
